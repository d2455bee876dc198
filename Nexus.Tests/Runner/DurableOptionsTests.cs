using Nexus.AgentRunner.Hosting;

namespace Nexus.Tests.Runner;

/// <summary>The settings of durable sessions are checked at start-up, each failure naming its key (STYLE.md habit 4).</summary>
public sealed class DurableOptionsTests
{
    [Theory]
    [InlineData("00:00:09", "00:00:05", "Runner:LeaseDuration")] // less than twice the heartbeat: a healthy runner would lose its sessions
    [InlineData("00:11:00", "00:00:05", "Runner:LeaseDuration")]
    public void A_lease_too_short_for_the_heartbeat_or_too_long_is_refused_naming_the_key(string lease, string heartbeat, string key)
    {
        var result = new RunnerOptionsValidator().Validate(null, new RunnerOptions { LeaseDuration = TimeSpan.Parse(lease), HeartbeatInterval = TimeSpan.Parse(heartbeat) });
        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_drain_timeout_is_refused_naming_the_key()
    {
        var result = new RunnerOptionsValidator().Validate(null, new RunnerOptions { DrainTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Contains("Runner:DrainTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("3651.00:00:00")]
    public void An_audit_retention_out_of_range_is_refused_naming_the_key(string retention)
    {
        var result = new ApprovalOptionsValidator().Validate(null, new ApprovalOptions { AuditRetention = TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Contains("Approvals:AuditRetention", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new RunnerOptionsValidator().Validate(null, new RunnerOptions()).Succeeded);
        Assert.True(new ApprovalOptionsValidator().Validate(null, new ApprovalOptions()).Succeeded);
        Assert.Equal(TimeSpan.FromDays(30), new ApprovalOptions().AuditRetention);
        Assert.Null(new RunnerOptions().DenialEndsSession);
    }
}
