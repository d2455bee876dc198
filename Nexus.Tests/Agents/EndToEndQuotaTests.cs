using Nexus.Contracts;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;

namespace Nexus.Tests.Agents;

/// <summary>
/// Issue 11 item 4 through a real gateway and a real runner: a user past <c>Runner:MaxSessionsPerUser</c> gets -32004
/// with the limit, and a flood of such refusals leaves the gateway's one circuit breaker towards the runner closed, so
/// everyone else still starts, decides and cancels.
/// </summary>
public sealed class EndToEndQuotaTests
{
    [Fact]
    public async Task A_flood_of_refused_runs_gets_32004_and_everyone_else_keeps_running_deciding_and_cancelling()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Runner:MaxSessionsPerUser"] = "1" });
        await using var gateway = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
            ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
            // The flood must reach the runner, not the gateway's own per-connection limit.
            ["Gateway:MaxRequestsPerSecond"] = "100000",
        });

        await using var flooder = await gateway.ConnectAsync("flooder");
        var sleeping = await flooder.RunAsync("sleep 60");

        // The standard breaker opens at 10 % failures over 100 calls in 30 s; 150 refusals would open it if they counted.
        for (var i = 0; i < 150; i++)
        {
            var error = await flooder.ErrorAsync("agent.run", new { task = "echo more" });
            Assert.Equal(-32004, error.GetProperty("code").GetInt32());
            Assert.Equal("sessions_per_user", error.GetProperty("data").GetProperty("limit").GetString());
            Assert.Equal(1, error.GetProperty("data").GetProperty("max").GetInt32());
        }

        await using var other = await gateway.ConnectAsync("other");
        await using var approver = await gateway.ConnectAsync("approver");
        var sessionId = await other.RunAsync("write quota.txt fine");
        var requestId = (await approver.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data").GetProperty("requestId").GetString();
        var decided = await approver.ResultAsync("approval.respond", new { requestId, decision = "approve" });
        Assert.Equal("approved", decided.GetProperty("decision").GetString());
        Assert.True((await other.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId)).GetProperty("data").GetProperty("success").GetBoolean());

        var cancelled = await flooder.ResultAsync("agent.cancel", new { sessionId = sleeping });
        Assert.Equal("cancelling", cancelled.GetProperty("status").GetString());
        await flooder.WaitForSessionEventAsync(EventNames.AgentCompleted, sleeping);
        Assert.False(string.IsNullOrEmpty(await flooder.RunAsync("echo my turn again")));
    }
}
