using Aspire.Hosting.Testing;

namespace Nexus.Tests.App;

[Collection(NexusAppCollection.Name)]
public sealed class AppStartupTests(NexusAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("redis")]
    [InlineData("agentrunner")]
    [InlineData("wsgateway")]
    [InlineData("proxy")]
    public async Task Every_resource_becomes_healthy(string resource)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var state = await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        Assert.Equal("Running", state.Snapshot.State?.Text);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task The_proxy_answers_its_health_endpoints(string path)
    {
        using var http = fixture.App.CreateHttpClient("proxy", "http");
        http.Timeout = Timeout;
        var response = await http.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_services_receive_the_redis_connection_string()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", timeout.Token);
        Assert.False(string.IsNullOrWhiteSpace(connectionString));
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(connectionString!);
        Assert.True(await redis.GetDatabase().PingAsync().WaitAsync(Timeout) < Timeout);
    }
}
