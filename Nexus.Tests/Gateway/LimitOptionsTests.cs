using Microsoft.Extensions.Configuration;
using Nexus.WsGateway.Options;

namespace Nexus.Tests.Gateway;

/// <summary>The options of issue 11: their defaults, and start-up validation that names the bad key.</summary>
public sealed class LimitOptionsTests
{
    [Fact]
    public void Defaults_are_those_of_PROTOCOL_section_3()
    {
        var options = new GatewayOptions();

        Assert.Equal(50, options.MaxBatchSize);
        Assert.Equal(256, options.MaxFilterNames);
        Assert.Equal(1024 * 1024, options.MaxQueuedBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.UpgradeHeadTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.InitialHold);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ResumeHold);
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Gateway:MaxBatchSize", "0")]
    [InlineData("Gateway:MaxFilterNames", "-1")]
    [InlineData("Gateway:MaxQueuedBytes", "1023")]
    [InlineData("Gateway:UpgradeHeadTimeout", "00:00:00")]
    [InlineData("Gateway:UpgradeHeadTimeout", "00:03:00")]
    [InlineData("Gateway:InitialHold", "-00:00:01")]
    [InlineData("Gateway:ResumeHold", "00:01:01")]
    [InlineData("Gateway:ResumeHold", "-00:00:01")]
    public void A_bad_value_fails_validation_naming_its_key(string key, string value)
    {
        var options = new GatewayOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build()
            .GetSection(GatewayOptions.SectionName).Bind(options);

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
