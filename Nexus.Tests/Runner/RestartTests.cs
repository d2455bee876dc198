using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

public sealed class RestartTests
{
    [Fact]
    public async Task Session_left_running_by_a_dead_runner_is_failed_and_its_pending_approval_expires()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        var db = connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // What a runner that died mid-approval leaves behind: no heartbeat key.
        await db.HashSetAsync(RedisKeys.Session("s_dead"),
        [
            new("owner", "alice"), new("task", "write x.txt y"), new("status", SessionStatus.WaitingApproval),
            new("startedAt", now - 1000), new("runner", "runner-dead"), new("approval", "apr_dead"),
        ]);
        await db.SetAddAsync("nexus:sessions:active", "s_dead");
        await db.HashSetAsync(RedisKeys.Approval("apr_dead"),
        [
            new("requestId", "apr_dead"), new("sessionId", "s_dead"), new("owner", "alice"), new("tool", "write_file"),
            new("arguments", "{}"), new("requestedAt", now - 900), new("expiresAt", now + 300_000), new("status", "pending"),
        ]);
        await db.SortedSetAddAsync(RedisKeys.PendingApprovals, "apr_dead", now + 300_000);

        await using var runner = await RunnerHost.StartAsync(redis);

        var completed = await events.WaitForEventAsync("s_dead", EventNames.AgentCompleted);
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Error, completed.Data.GetProperty("reason").GetString());
        var order = events.ForSession("s_dead").Select(n => n.Event).ToList();
        Assert.Equal([EventNames.ApprovalResolved, EventNames.AgentError, EventNames.AgentCompleted], order);
        Assert.Equal("expired", events.ForSession("s_dead")[0].Data.GetProperty("decision").GetString());
        Assert.Equal(SessionStatus.Failed, (string?)await db.HashGetAsync(RedisKeys.Session("s_dead"), "status"));
        Assert.Equal("expired", (string?)await db.HashGetAsync(RedisKeys.Approval("apr_dead"), "status"));
        Assert.False(await db.SetContainsAsync("nexus:sessions:active", "s_dead"));
    }

    [Fact]
    public async Task Sessions_of_a_live_runner_are_left_alone()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var first = await RunnerHost.StartAsync(redis);
        var sessionId = await first.RunAsync("alice", "sleep 30");
        await events.WaitForEventAsync(sessionId, EventNames.AgentProgress);

        await using var second = await RunnerHost.StartAsync(redis);

        // Several heartbeats (1 s) and sweeps of the second runner pass; the session must still run.
        await events.WaitForAsync(n => n.Event == EventNames.AgentProgress && n.SessionId == sessionId && n.Data.GetProperty("step").GetInt32() >= 5, "five progress steps");
        Assert.DoesNotContain(events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);

        // Cancel through the other replica: the request reaches the runner that runs it.
        var (response, _) = await second.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "alice");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(5));
        Assert.Equal(CompletionReasons.Cancelled, completed.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Shutdown_ends_running_sessions_with_one_agent_completed_each()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        var runner = await RunnerHost.StartAsync(redis);
        var sleeping = await runner.RunAsync("alice", "sleep 30");
        var waiting = await runner.RunAsync("alice", "write x.txt y");
        await events.WaitForEventAsync(waiting, EventNames.ApprovalRequest);
        await events.WaitForEventAsync(sleeping, EventNames.AgentProgress);

        await runner.DisposeAsync();

        foreach (var sessionId in new[] { sleeping, waiting })
        {
            var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
            Assert.Equal(CompletionReasons.Error, completed.Data.GetProperty("reason").GetString());
            Assert.Single(events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        }

        var resolved = await events.WaitForEventAsync(waiting, EventNames.ApprovalResolved);
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
    }
}
