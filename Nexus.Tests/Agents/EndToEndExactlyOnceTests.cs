using Nexus.Contracts;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;

namespace Nexus.Tests.Agents;

/// <summary>
/// Issue 3, "tests it must have": 50 concurrent <c>approval.respond</c> calls through two gateway instances, each
/// calling its own runner instance (service discovery configuration), over one real Redis: one winner, 49 conflicts,
/// one <c>approval_resolved</c>. Since issue 13 the session is parked (no runner holds it) while the deciders race, and
/// the one decision wakes it on either runner.
/// </summary>
public sealed class EndToEndExactlyOnceTests
{
    private const int Deciders = 50;

    [Fact]
    public async Task Fifty_concurrent_responses_over_two_gateways_and_two_runners_give_one_winner_and_one_approval_resolved()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var recorder = await NotifyRecorder.StartAsync(redis);
        // One sandbox root for both replicas, as deployed replicas that continue each other's parked sessions share one.
        var sandbox = Path.Combine(Path.GetTempPath(), "nexus-exactly-once", Guid.NewGuid().ToString("N"));
        await using var runner1 = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Runner:SandboxRoot"] = sandbox });
        await using var runner2 = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Runner:SandboxRoot"] = sandbox });
        await using var gateway1 = await GatewayHost.StartAsync(redis, RunnerAt(runner1));
        await using var gateway2 = await GatewayHost.StartAsync(redis, RunnerAt(runner2));

        await using var owner = await gateway1.ConnectAsync("alice");
        await using var observer = await gateway2.ConnectAsync("olivia");
        var sessionId = await owner.RunAsync("write race.txt won");
        var request = (await observer.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data");
        var requestId = request.GetProperty("requestId").GetString()!;

        // Parked before anyone decides: no runner holds the session.
        await using (var connection = await redis.ConnectAsync())
        {
            await Wait.UntilAsync(async () => (string?)await connection.GetDatabase().HashGetAsync("nexus:lease:" + sessionId, "holder") == "", "the session to be parked");
        }

        var deciders = await Task.WhenAll(Enumerable.Range(0, Deciders).Select(i => (i % 2 == 0 ? gateway1 : gateway2).ConnectAsync($"decider{i}")));
        try
        {
            var replies = await Task.WhenAll(deciders.Select((client, i) =>
                client.CallAsync("approval.respond", new { requestId, decision = i % 3 == 0 ? "deny" : "approve" })));

            var winners = replies.Select((reply, i) => (reply, i)).Where(x => x.reply.TryGetProperty("result", out _)).ToList();
            var (winnerReply, winnerIndex) = Assert.Single(winners);
            var decision = winnerReply.GetProperty("result").GetProperty("decision").GetString();
            Assert.Equal(winnerIndex % 3 == 0 ? "denied" : "approved", decision);

            var conflicts = replies.Where(r => r.TryGetProperty("error", out _)).Select(r => r.GetProperty("error")).ToList();
            Assert.Equal(Deciders - 1, conflicts.Count);
            Assert.All(conflicts, error =>
            {
                Assert.Equal(-32003, error.GetProperty("code").GetInt32());
                var state = error.GetProperty("data");
                Assert.Equal(requestId, state.GetProperty("requestId").GetString());
                Assert.Equal(decision, state.GetProperty("status").GetString());
                Assert.Equal($"decider{winnerIndex}", state.GetProperty("by").GetString());
            });

            // Every decision has been answered, and the runner publishes before it answers: a sentinel published now
            // on the same channel arrives after any duplicate approval_resolved would have.
            var marker = Guid.NewGuid().ToString("N");
            await gateway1.PublishAsync(Channels.Approval, $$$"""{"event":"test.sentinel","data":{"marker":"{{{marker}}}"}}""");
            await owner.WaitForEventAsync("test.sentinel", d => EndToEndRpc.HasString(d, "marker", marker));
            await observer.WaitForEventAsync("test.sentinel", d => EndToEndRpc.HasString(d, "marker", marker));
            await recorder.WaitForAsync(n => n.Event == "test.sentinel", "the sentinel on Redis");

            Assert.Single(recorder.All, n => n.Event == EventNames.ApprovalResolved);
            var onOwner = Assert.Single(owner.Events(EventNames.ApprovalResolved, _ => true)).GetProperty("data");
            var onObserver = Assert.Single(observer.Events(EventNames.ApprovalResolved, _ => true)).GetProperty("data");
            Assert.Equal(decision, onOwner.GetProperty("decision").GetString());
            Assert.Equal(requestId, onObserver.GetProperty("requestId").GetString());

            var completed = (await owner.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId)).GetProperty("data");
            Assert.Equal(decision == "approved", completed.GetProperty("success").GetBoolean());
            // The session was parked while the deciders raced; whichever replica continued it ran the tool once, or not at all.
            Assert.Equal(decision == "approved", File.Exists(Path.Combine(sandbox, sessionId, "race.txt")));
            Assert.Equal(decision == "approved" ? 1 : 0, recorder.ForSession(sessionId).Count(n => n.Event == EventNames.AgentProgress && n.Data.GetProperty("message").GetString() == "running write_file"));
            Assert.Single(recorder.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        }
        finally
        {
            await Task.WhenAll(deciders.Select(d => d.DisposeAsync().AsTask()));
        }
    }

    private static Dictionary<string, string?> RunnerAt(RunnerHost runner) => new()
    {
        // What Aspire hands the gateway (services__agentrunner__http__0), read by the service discovery configuration provider.
        ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
        ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
    };
}
