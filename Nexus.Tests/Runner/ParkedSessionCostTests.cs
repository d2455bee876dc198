using Nexus.Contracts;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

/// <summary>
/// A parked session costs nothing while it waits (issue 13): no runner slot, and no Redis reads of its own, so the
/// trace of an agent.run no longer shows a poll of the approval every so often (the HGETALL rows of the old waiter).
/// </summary>
public sealed class ParkedSessionCostTests
{
    [Fact]
    public async Task Parked_sessions_hold_no_slot_and_make_no_redis_reads_while_they_wait()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Runner:MaxConcurrentSessions"] = "2" });
        var parked = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var sessionId = await runner.RunAsync($"user{i}", $"write p{i}.txt waiting");
            await events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
            parked.Add(sessionId);
        }

        // Four waiting sessions on a runner of two slots: none holds one.
        var (started, body) = await runner.PostAsync("/api/sessions", new { task = "echo still room" }, "zed", Guid.NewGuid().ToString("N"));
        Assert.Equal(System.Net.HttpStatusCode.Created, started.StatusCode);
        await events.WaitForEventAsync(body.GetProperty("sessionId").GetString()!, EventNames.AgentCompleted);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServers()[0];
        await Wait.UntilAsync(async () => (string?)await connection.GetDatabase().HashGetAsync("nexus:lease:" + parked[^1], "holder") == "", "the last session to be parked");
        var before = await ReadsAsync(server);

        // Three heartbeats of the runner (1 s each) pass: it renews, sweeps and looks for work, and reads nothing per session.
        var heartbeat = (await server.KeysAsync(pattern: "nexus:runner:runner-*").ToListAsync()).Single();
        for (var i = 0; i < 3; i++)
        {
            var last = (string?)await connection.GetDatabase().StringGetAsync(heartbeat);
            await Wait.UntilAsync(async () => (string?)await connection.GetDatabase().StringGetAsync(heartbeat) != last, "the next heartbeat");
        }

        var after = await ReadsAsync(server);
        Assert.Equal(before, after);
        Assert.All(parked, id => Assert.DoesNotContain(events.ForSession(id), n => n.Event == EventNames.AgentCompleted));
    }

    /// <summary>
    /// Calls of the commands that read a session or an approval, as Redis counts them (scripts' calls included). GET is
    /// left out: the test itself reads the heartbeat with it.
    /// </summary>
    private static async Task<string> ReadsAsync(IServer server)
    {
        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return string.Join(", ", new[] { "hgetall", "hget", "hmget", "hexists", "exists" }.Select(c =>
            c + "=" + (stats.TryGetValue("cmdstat_" + c, out var v) ? v.Split(',')[0] : "calls=0")));
    }
}
