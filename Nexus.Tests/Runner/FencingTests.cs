using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts;
using Nexus.Contracts.History;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

/// <summary>
/// Fencing (issue 13 item 2) on a real redis-server: once another runner claims a session's lease, the fencing number
/// of the one before is refused by every write (checkpoint, journal, status) and by the fenced publish, which publishes
/// nothing; <c>nexus_publish</c> itself is unchanged.
/// </summary>
public sealed class FencingTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private NotifyRecorder _events = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await _redis.ConnectAsync();
        _events = await NotifyRecorder.StartAsync(_redis);
    }

    public async Task DisposeAsync()
    {
        await _events.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task The_fenced_publish_publishes_with_the_current_fence_only_and_plain_publish_is_unchanged()
    {
        var publisher = new NotificationPublisher(_connection, NullLogger<NotificationPublisher>.Instance, TimeProvider.System);
        var db = _connection.GetDatabase();
        await db.HashSetAsync("nexus:lease:s_f", "fence", 7);

        var current = await publisher.PublishFencedAsync("global", "fenced.current", new Marker("a"), MarkerJson.Default.Marker, new Fence("nexus:lease:s_f", 7));
        var stale = await publisher.PublishFencedAsync("global", "fenced.stale", new Marker("b"), MarkerJson.Default.Marker, new Fence("nexus:lease:s_f", 6));
        var missing = await publisher.PublishFencedAsync("global", "fenced.missing", new Marker("c"), MarkerJson.Default.Marker, new Fence("nexus:lease:s_none", 1));
        var plain = await publisher.PublishAsync("global", "plain", JsonDocument.Parse("""{"m":"d"}""").RootElement);

        Assert.False(current.FencedOut);
        Assert.True(HistoryId.TryParse(current.Id, out _));
        Assert.True(stale.FencedOut);
        Assert.Null(stale.Id);
        Assert.True(missing.FencedOut);
        Assert.NotNull(plain);

        await _events.WaitForAsync(n => n.Event == "plain", "the plain publish");
        Assert.Equal(["fenced.current", "plain"], _events.All.Select(n => n.Event));
        var history = await db.StreamRangeAsync(RedisHistoryKeys.Stream);
        Assert.Equal(2, history.Length); // the refused ones are not in the history either
    }

    [Fact]
    public async Task After_another_runner_claims_the_lease_the_old_fence_can_neither_write_nor_publish()
    {
        var runnerOptions = Options.Create(new RunnerOptions { LeaseDuration = TimeSpan.FromMilliseconds(200), HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        var a = new SessionLeases(_connection, new RunnerInstance(Options.Create(new RunnerOptions { InstanceId = "runner-a" })), runnerOptions);
        var b = new SessionLeases(_connection, new RunnerInstance(Options.Create(new RunnerOptions { InstanceId = "runner-b" })), runnerOptions);
        var sessions = new SessionStore(_connection, runnerOptions);
        var created = await sessions.CreateAsync("s_fence", "alice", "echo x", "runner-a", null);
        Assert.Equal(1, created!.Value.Fence);

        // Held and renewed: nobody else may claim it.
        Assert.True(await a.RenewAsync("s_fence", 1));
        Assert.Null(await b.ClaimAsync("s_fence"));
        Assert.Empty(await b.ClaimExpiredAsync(10));

        // Silent past its lease: b takes it over with the next fencing number.
        var db = _connection.GetDatabase();
        await Wait.UntilAsync(async () => await RedisClock.NowMsAsync(db) > (long)await db.HashGetAsync("nexus:lease:s_fence", "until"), "the lease to run out");
        var claimed = Assert.Single(await b.ClaimExpiredAsync(10));
        Assert.Equal(new ClaimedSession("s_fence", 2), claimed);

        var stale = new StaleSession("s_fence", SessionLeases.FenceOf("s_fence", 1));
        var publisher = new NotificationPublisher(_connection, NullLogger<NotificationPublisher>.Instance, TimeProvider.System);
        var events = new SessionEvents(publisher);
        var conversations = new ConversationStore(_connection, runnerOptions);
        var journal = new ToolJournal(_connection, runnerOptions);

        Assert.False(await a.RenewAsync("s_fence", 1));
        await Assert.ThrowsAsync<LeaseLostException>(() => events.ProgressAsync(stale, 1, "stale"));
        await Assert.ThrowsAsync<LeaseLostException>(() => conversations.SaveAsync(stale, [new ChatMessage(ChatRole.User, "stale")]));
        await Assert.ThrowsAsync<LeaseLostException>(() => journal.BeginAsync(stale, new FunctionCallContent("call-1", "echo")));
        await Assert.ThrowsAsync<LeaseLostException>(() => sessions.SetRunningAsync(stale));
        await Assert.ThrowsAsync<LeaseLostException>(() => sessions.FinishAsync(stale, "alice", SessionStatus.Completed, "stale", null));
        Assert.Equal(SessionStatus.Running, (string?)await db.HashGetAsync(RedisKeys.Session("s_fence"), "status"));
        Assert.False(await db.KeyExistsAsync("nexus:conversation:s_fence"));
        Assert.False(await db.KeyExistsAsync("nexus:journal:s_fence"));

        // The new holder's writes and publishes go through.
        var current = new StaleSession("s_fence", SessionLeases.FenceOf("s_fence", 2));
        await events.ProgressAsync(current, 1, "current");
        Assert.NotNull(await sessions.FinishAsync(current, "alice", SessionStatus.Completed, "done", null));
        await _events.WaitForAsync(n => n.Event == EventNames.AgentProgress, "the current holder's progress");
        Assert.Equal(["current"], _events.All.Select(n => n.Data.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_renewal_after_the_runner_let_go_of_the_lease_does_not_take_it_back()
    {
        var runnerOptions = Options.Create(new RunnerOptions { InstanceId = "runner-a" });
        var leases = new SessionLeases(_connection, new RunnerInstance(runnerOptions), runnerOptions);
        var sessions = new SessionStore(_connection, runnerOptions);
        await sessions.CreateAsync("s_let_go", "alice", "write x y", "runner-a", null);
        var db = _connection.GetDatabase();

        // What parking does (the heartbeat may still hold the session in its list of sessions to renew).
        await db.HashSetAsync("nexus:lease:s_let_go", [new("holder", ""), new("until", 0)]);
        await db.SortedSetRemoveAsync("nexus:leases", "s_let_go");

        Assert.True(await leases.RenewAsync("s_let_go", 1)); // not lost: nobody else holds it
        Assert.Equal("", (string?)await db.HashGetAsync("nexus:lease:s_let_go", "holder"));
        Assert.Null(await db.SortedSetScoreAsync("nexus:leases", "s_let_go"));
        Assert.Empty(await leases.ClaimExpiredAsync(10)); // so no runner ever "takes over" a parked session
    }

    private sealed record StaleSession(string SessionId, Fence Fence) : ISessionLease
    {
        public int Steps => 0;
    }
}

public sealed record Marker(string M);

[System.Text.Json.Serialization.JsonSerializable(typeof(Marker))]
public sealed partial class MarkerJson : System.Text.Json.Serialization.JsonSerializerContext;
