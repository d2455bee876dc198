using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

/// <summary>
/// What <c>approval.list</c> shows (docs/protocol.md section 4.2) and how a decision is recorded, at the store, against a
/// real Redis: pending requests and audit records, newest first, by owner, by session and up to the limit; a decision
/// without a reason has none; the owner is refused only when self-approval is off. Found by mutation testing (issue 16).
/// </summary>
public sealed class ApprovalStoreTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private ApprovalStore _store = null!;

    private IDatabase Db => _connection.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await _redis.ConnectAsync();
        _store = new ApprovalStore(_connection, Options.Create(new RunnerOptions()), Options.Create(new ApprovalOptions()));
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Pending_requests_are_listed_newest_first_by_owner_by_session_and_up_to_the_limit()
    {
        var now = await RedisClock.NowMsAsync(Db);
        await SeedAsync("apr_a1", "s_a", "alice", requestedAt: now - 4000);
        await SeedAsync("apr_a2", "s_a", "alice", requestedAt: now - 3000);
        await SeedAsync("apr_b1", "s_b", "bob", requestedAt: now - 2000);
        await SeedAsync("apr_a3", "s_a", "alice", requestedAt: now - 1000);
        // Decided: still in its session's index, no longer pending.
        await _store.DecideAsync("apr_a3", ApprovalDecisions.Denied, "bob", null);

        Assert.Equal(["apr_b1", "apr_a2", "apr_a1"], Ids(await _store.ListPendingAsync(null, null, 10)));
        Assert.Equal(["apr_a2", "apr_a1"], Ids(await _store.ListPendingAsync("alice", null, 10)));
        Assert.Equal(["apr_a2", "apr_a1"], Ids(await _store.ListPendingAsync(null, "s_a", 10)));
        Assert.Empty(await _store.ListPendingAsync("bob", "s_a", 10));
        Assert.Equal(["apr_b1", "apr_a2"], Ids(await _store.ListPendingAsync(null, null, 2)));
    }

    [Fact]
    public async Task Audit_records_are_listed_newest_decision_first_by_owner_by_session_and_up_to_the_limit()
    {
        var now = await RedisClock.NowMsAsync(Db);
        string[] order = ["apr_a1", "apr_b1", "apr_b2", "apr_b3", "apr_b4", "apr_b5", "apr_a2"];
        foreach (var id in order)
        {
            var alice = id.StartsWith("apr_a", StringComparison.Ordinal);
            await SeedAsync(id, alice ? "s_a" : "s_b", alice ? "alice" : "bob", requestedAt: now - 5000);
        }

        await SeedAsync("apr_a_pending", "s_a", "alice", requestedAt: now - 5000);
        foreach (var id in order)
        {
            // One decision per millisecond of Redis's clock, so "newest first" has one answer.
            var before = await RedisClock.NowMsAsync(Db);
            await Wait.UntilAsync(async () => await RedisClock.NowMsAsync(Db) > before, "Redis's clock to move");
            await _store.DecideAsync(id, ApprovalDecisions.Denied, "carol", null);
        }

        Assert.Equal(Enumerable.Reverse(order), Ids(await _store.ListDecidedAsync(null, null, 10)));
        Assert.Equal(["apr_a2", "apr_b5", "apr_b4"], Ids(await _store.ListDecidedAsync(null, null, 3)));
        // Alice's older decision lies behind five of Bob's in the index of all: her own index finds it.
        Assert.Equal(["apr_a2", "apr_a1"], Ids(await _store.ListDecidedAsync("alice", null, 2)));
        Assert.Equal(["apr_a2", "apr_a1"], Ids(await _store.ListDecidedAsync(null, "s_a", 10)));
    }

    [Fact]
    public async Task The_owner_is_refused_only_when_self_approval_is_off_and_a_decision_without_a_reason_records_none()
    {
        var now = await RedisClock.NowMsAsync(Db);
        await SeedAsync("apr_self", "s_self", "alice", requestedAt: now);

        var refused = await _store.DecideAsync("apr_self", ApprovalDecisions.Approved, "alice", null, forbidOwner: true);
        Assert.Equal(DecideResult.Forbidden, refused.Result);
        Assert.Equal(ApprovalDecisions.Pending, (await _store.GetAsync("apr_self"))!.Status);

        var decided = await _store.DecideAsync("apr_self", ApprovalDecisions.Approved, "alice", null, forbidOwner: false);
        Assert.Equal(DecideResult.Won, decided.Result);
        Assert.Equal("alice", decided.By);
        Assert.Null(decided.Reason);
        var record = await _store.GetAsync("apr_self");
        Assert.Equal(ApprovalDecisions.Approved, record!.Status);
        Assert.Null(record.Reason);
    }

    [Fact]
    public async Task A_record_read_back_says_whether_its_request_was_announced()
    {
        // A runner taking over a parked session announces the request only when nobody did (ApprovalGate).
        await SeedAsync("apr_quiet", "s_quiet", "alice", requestedAt: await RedisClock.NowMsAsync(Db));
        Assert.False((await _store.GetAsync("apr_quiet"))!.Announced);

        await Db.HashSetAsync(RedisKeys.Approval("apr_quiet"), "announced", "1");

        Assert.True((await _store.GetAsync("apr_quiet"))!.Announced);
    }

    private static string[] Ids(IReadOnlyList<ApprovalRecord> records) => [.. records.Select(r => r.RequestId)];

    /// <summary>A pending request due in an hour, its session parked on it, in the indexes a park writes.</summary>
    private async Task SeedAsync(string requestId, string sessionId, string owner, long requestedAt)
    {
        var expiresAt = requestedAt + 3_600_000;
        await Db.HashSetAsync(RedisKeys.Approval(requestId),
        [
            new("requestId", requestId), new("sessionId", sessionId), new("owner", owner), new("tool", "write_file"),
            new("arguments", "{}"), new("requestedAt", requestedAt), new("expiresAt", expiresAt), new("status", "pending"),
        ]);
        await Db.SortedSetAddAsync(RedisKeys.PendingApprovals, requestId, expiresAt);
        await Db.SortedSetAddAsync(RunnerKeys.SessionApprovals(sessionId), requestId, requestedAt);
        await Db.HashSetAsync(RedisKeys.Session(sessionId),
        [
            new("owner", owner), new("task", "write x.txt y"), new("status", SessionStatus.WaitingApproval), new("startedAt", requestedAt),
            new("approval", requestId),
        ]);
    }
}
