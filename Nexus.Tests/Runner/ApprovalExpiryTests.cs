using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

/// <summary>
/// Expiry (docs/protocol.md section 6, issue 13 item 5): what is due is Redis's clock's call, whichever replica sweeps and
/// whatever its own clock says; each request is expired once; an expired parked session ends denied with an audit
/// record that says expired.
/// </summary>
public sealed class ApprovalExpiryTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private NotifyRecorder _events = null!;

    private IDatabase Db => _connection.GetDatabase();

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
    public async Task Two_replicas_sweeping_at_once_expire_a_due_request_once_and_announce_it_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var (store, sweeper) = CreateSweeper(time);
        var other = CreateSweeper(time).Sweeper; // a second replica
        var now = await RedisClock.NowMsAsync(Db);
        // Not due for an hour: however slow the machine, a sweep leaves it alone.
        await SeedPendingAsync("apr_1", "s_1", now - 300_000, now + 3_600_000);

        Assert.Equal(0, await sweeper.SweepOnceAsync());
        Assert.Equal(ApprovalDecisions.Pending, (await store.GetAsync("apr_1"))!.Status);

        // Then due at Redis's present moment, as when its hour has passed.
        var due = await RedisClock.NowMsAsync(Db);
        await SeedPendingAsync("apr_1", "s_1", now - 300_000, due);
        await Wait.UntilAsync(async () => await RedisClock.NowMsAsync(Db) > due, "Redis's clock to pass the due time");
        var counts = await Task.WhenAll(sweeper.SweepOnceAsync(), other.SweepOnceAsync());
        Assert.Equal(1, counts.Sum());

        var record = await store.GetAsync("apr_1");
        Assert.Equal(ApprovalDecisions.Expired, record!.Status);
        Assert.Equal(ApprovalDecisions.System, record.By);
        Assert.False(record.Executed);
        Assert.True(record.DecidedAt >= due);
        var resolved = await _events.WaitForEventAsync("s_1", EventNames.ApprovalResolved);
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("system", resolved.Data.GetProperty("by").GetString());
        Assert.Empty(await store.ListPendingAsync(null, null, 100));
        Assert.Single(await store.ListDecidedAsync(null, null, 100));
        Assert.Single(_events.All, n => n.Event == EventNames.ApprovalResolved);
    }

    [Fact]
    public async Task A_replica_whose_clock_runs_a_day_ahead_expires_nothing_early()
    {
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromDays(1));
        var (store, sweeper) = CreateSweeper(skewed);
        var now = await RedisClock.NowMsAsync(Db);
        // Due in an hour by Redis's clock, long past by the replica's: the replica's clock must not count.
        await SeedPendingAsync("apr_skew", "s_skew", now, now + 3_600_000);

        Assert.Equal(0, await sweeper.SweepOnceAsync());
        var decision = await store.DecideAsync("apr_skew", ApprovalDecisions.Expired, ApprovalDecisions.System, null);
        Assert.Equal(DecideResult.NotDue, decision.Result);
        Assert.Equal(ApprovalDecisions.Pending, (await store.GetAsync("apr_skew"))!.Status);
        Assert.Single(await store.ListPendingAsync(null, null, 100)); // listing uses Redis's clock too

        // Once Redis's clock says it is due, the same replica expires it.
        var due = await RedisClock.NowMsAsync(Db);
        await SeedPendingAsync("apr_skew", "s_skew", now, due);
        await Wait.UntilAsync(async () => await RedisClock.NowMsAsync(Db) > due, "Redis's clock to pass the due time");
        Assert.Equal(1, await sweeper.SweepOnceAsync());
    }

    [Fact]
    public async Task The_background_sweeper_is_scheduled_by_its_fake_clock_and_decides_by_redis_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var (store, sweeper) = CreateSweeper(time);
        var now = await RedisClock.NowMsAsync(Db);
        // One request already due, for the sweep the sweeper runs when it starts; one due in an hour, which it leaves.
        await SeedPendingAsync("apr_first", "s_first", now - 2000, now - 1);
        await SeedPendingAsync("apr_3", "s_3", now, now + 3_600_000);
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(async () => (await store.GetAsync("apr_first"))!.Status == ApprovalDecisions.Expired, "the first sweep");
            Assert.Equal(ApprovalDecisions.Pending, (await store.GetAsync("apr_3"))!.Status);

            // Then due by Redis's clock. The fake clock has not moved, so no sweep runs: still pending.
            var due = await RedisClock.NowMsAsync(Db);
            await SeedPendingAsync("apr_3", "s_3", now, due);
            await Wait.UntilAsync(async () => await RedisClock.NowMsAsync(Db) > due, "Redis's clock to pass the due time");
            Assert.Equal(ApprovalDecisions.Pending, (await store.GetAsync("apr_3"))!.Status);

            // Each look moves the fake clock one interval: the sweeper may not have started its wait when the first moves.
            var interval = new ApprovalOptions().SweepInterval;
            await Wait.UntilAsync(
                async () =>
                {
                    time.Advance(interval);
                    return (await store.GetAsync("apr_3"))!.Status == ApprovalDecisions.Expired;
                },
                "the sweep of the next fake interval");
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_decision_after_the_due_time_expires_the_request_instead()
    {
        var (store, _) = CreateSweeper(TimeProvider.System);
        var now = await RedisClock.NowMsAsync(Db);
        await SeedPendingAsync("apr_2", "s_2", now - 2000, now - 1, parked: true);

        var outcome = await store.DecideAsync("apr_2", ApprovalDecisions.Approved, "bob", null);
        Assert.Equal(DecideResult.ExpiredInstead, outcome.Result);
        Assert.Equal(ApprovalDecisions.Expired, outcome.Status);
        Assert.Equal(ApprovalDecisions.System, outcome.By);
    }

    [Fact]
    public async Task A_decision_for_a_session_that_no_longer_waits_is_refused_and_the_request_expires()
    {
        var (store, _) = CreateSweeper(TimeProvider.System);
        var now = await RedisClock.NowMsAsync(Db);
        await SeedPendingAsync("apr_gone", "s_gone", now, now + 300_000, parked: false);

        var outcome = await store.DecideAsync("apr_gone", ApprovalDecisions.Approved, "bob", null);

        // Never "approved" and then dropped: the decider learns the final state (409, JSON-RPC -32003).
        Assert.Equal(DecideResult.ExpiredInstead, outcome.Result);
        Assert.Equal(ApprovalDecisions.Expired, (await store.GetAsync("apr_gone"))!.Status);
        Assert.Null(await Db.SortedSetScoreAsync("nexus:sessions:ready", "s_gone"));
    }

    [Fact]
    public async Task Unanswered_request_expires_after_the_configured_timeout_and_the_parked_session_ends_denied()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Approvals:Timeout"] = "00:00:01" });
        var sessionId = await runner.RunAsync("alice", "write late.txt never");
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        var requestId = request.Data.GetProperty("requestId").GetString()!;
        Assert.Equal(1000, request.Data.GetProperty("expiresAt").GetInt64() - request.Data.GetProperty("requestedAt").GetInt64());

        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved, TimeSpan.FromSeconds(10));
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("system", resolved.Data.GetProperty("by").GetString());
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(10));
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Denied, completed.Data.GetProperty("reason").GetString());
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);

        var (late, body) = await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("expired", body.GetProperty("status").GetString());
        Assert.Equal("system", body.GetProperty("by").GetString());
        Assert.False(File.Exists(Path.Combine(runner.SandboxRoot, sessionId, "late.txt")));
        Assert.Equal(SessionStatus.Failed, (string?)await Db.HashGetAsync(RedisKeys.Session(sessionId), "status"));

        // The audit record says what happened: expired, by the system, the tool never ran.
        var (_, audit) = await runner.GetAsync($"/api/approvals?state=decided&sessionId={sessionId}", "alice");
        var record = Assert.Single(audit.GetProperty("approvals").EnumerateArray());
        Assert.Equal(requestId, record.GetProperty("requestId").GetString());
        Assert.Equal("expired", record.GetProperty("decision").GetString());
        Assert.Equal("system", record.GetProperty("by").GetString());
        Assert.False(record.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.True(record.GetProperty("decidedAt").GetInt64() >= request.Data.GetProperty("expiresAt").GetInt64());
    }

    [Fact]
    public void The_scripts_spell_the_approval_key_prefix_of_the_contract()
        => Assert.Equal(ApprovalScripts.ApprovalPrefix, RedisKeys.Approval(""));

    /// <summary>A pending request as a parked session leaves it; <paramref name="parked"/>: its session waits for it.</summary>
    private async Task SeedPendingAsync(string requestId, string sessionId, long requestedAt, long expiresAt, bool parked = true)
    {
        await Db.HashSetAsync(RedisKeys.Approval(requestId),
        [
            new("requestId", requestId), new("sessionId", sessionId), new("owner", "alice"), new("tool", "write_file"),
            new("arguments", "{}"), new("requestedAt", requestedAt), new("expiresAt", expiresAt), new("status", "pending"),
        ]);
        await Db.SortedSetAddAsync(RedisKeys.PendingApprovals, requestId, expiresAt);
        await Db.HashSetAsync(RedisKeys.Session(sessionId),
        [
            new("owner", "alice"), new("task", "write x.txt y"), new("status", parked ? SessionStatus.WaitingApproval : SessionStatus.Failed),
            new("startedAt", requestedAt), new("approval", requestId),
        ]);
    }

    private (ApprovalStore Store, ApprovalExpirySweeper Sweeper) CreateSweeper(TimeProvider time)
    {
        var store = new ApprovalStore(_connection, Options.Create(new RunnerOptions()), Options.Create(new ApprovalOptions()));
        var events = new SessionEvents(new NotificationPublisher(_connection, NullLogger<NotificationPublisher>.Instance, time));
        var resolver = new ApprovalResolver(store, events, NullLogger<ApprovalResolver>.Instance);
        var sweeper = new ApprovalExpirySweeper(store, resolver, Options.Create(new ApprovalOptions()), time, NullLogger<ApprovalExpirySweeper>.Instance);
        return (store, sweeper);
    }
}
