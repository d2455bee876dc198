using System.Net;
using Nexus.Contracts;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

public sealed class ExactlyOnceTests
{
    [Fact]
    public async Task Fifty_concurrent_decisions_over_two_runners_give_one_winner_and_one_approval_resolved()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var runnerA = await RunnerHost.StartAsync(redis);
        await using var runnerB = await RunnerHost.StartAsync(redis);

        var sessionId = await runnerA.RunAsync("alice", "write race.txt won");
        var request = await events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        var requestId = request.Data.GetProperty("requestId").GetString()!;

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
        {
            var runner = i % 2 == 0 ? runnerA : runnerB;
            return runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = i % 3 == 0 ? "deny" : "approve" }, $"user{i}");
        }));

        Assert.Single(responses, r => r.Response.StatusCode == HttpStatusCode.OK);
        Assert.Equal(49, responses.Count(r => r.Response.StatusCode == HttpStatusCode.Conflict));
        var winner = responses.Single(r => r.Response.StatusCode == HttpStatusCode.OK).Body.GetProperty("decision").GetString();
        Assert.All(responses.Where(r => r.Response.StatusCode == HttpStatusCode.Conflict), r => Assert.Equal(winner, r.Body.GetProperty("status").GetString()));

        // The session's end comes after the decision; by then any duplicate approval_resolved would have arrived too.
        await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        await events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved);
        var resolved = Assert.Single(events.All, n => n.Event == EventNames.ApprovalResolved);
        Assert.Equal(winner, resolved.Data.GetProperty("decision").GetString());
        Assert.Single(events.All, n => n.Event == EventNames.AgentCompleted);
    }
}
