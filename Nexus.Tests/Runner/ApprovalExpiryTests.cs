using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

public sealed class ApprovalExpiryTests : IAsyncLifetime
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
    public async Task Sweeper_expires_a_request_only_once_it_is_due_and_only_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var (store, sweeper) = CreateSweeper(time);
        var other = CreateSweeper(time).Sweeper; // a second replica
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await store.CreateAsync(new ApprovalRecord("apr_1", "s_1", "alice", "write_file", "{}", now, now + 300_000, ApprovalDecisions.Pending));

        Assert.Equal(0, await sweeper.SweepOnceAsync());
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await sweeper.SweepOnceAsync());
        Assert.Equal(ApprovalDecisions.Pending, (await store.GetAsync("apr_1"))!.Status);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var counts = await Task.WhenAll(sweeper.SweepOnceAsync(), other.SweepOnceAsync());
        Assert.Equal(1, counts.Sum());

        var record = await store.GetAsync("apr_1");
        Assert.Equal(ApprovalDecisions.Expired, record!.Status);
        Assert.Equal(ApprovalDecisions.System, record.By);
        var resolved = await _events.WaitForEventAsync("s_1", EventNames.ApprovalResolved);
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("system", resolved.Data.GetProperty("by").GetString());
        Assert.Equal(resolved.Payload.GetProperty("timestamp").GetInt64(), time.GetUtcNow().ToUnixTimeMilliseconds());
        Assert.Empty(await store.ListPendingAsync(now));
    }

    [Fact]
    public async Task A_human_decision_after_the_due_time_expires_the_request_instead()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var (store, _) = CreateSweeper(time);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await store.CreateAsync(new ApprovalRecord("apr_2", "s_2", "alice", "write_file", "{}", now, now + 1000, ApprovalDecisions.Pending));
        time.Advance(TimeSpan.FromSeconds(1));

        var outcome = await store.DecideAsync("apr_2", ApprovalDecisions.Approved, "bob", null, time.GetUtcNow().ToUnixTimeMilliseconds());
        Assert.Equal(DecideResult.ExpiredInstead, outcome.Result);
        Assert.Equal(ApprovalDecisions.Expired, outcome.Status);
        Assert.Equal(ApprovalDecisions.System, outcome.By);
    }

    [Fact]
    public async Task Background_sweeper_runs_on_its_time_provider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var (store, sweeper) = CreateSweeper(time);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await store.CreateAsync(new ApprovalRecord("apr_3", "s_3", "alice", "write_file", "{}", now, now + 300_000, ApprovalDecisions.Pending));
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    time.Advance(TimeSpan.FromSeconds(30));
                    return (await store.GetAsync("apr_3"))!.Status == ApprovalDecisions.Expired;
                },
                "the sweeper to expire the request");
            Assert.True(time.GetUtcNow().ToUnixTimeMilliseconds() >= now + 300_000);
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Unanswered_request_expires_after_the_configured_timeout_and_the_session_ends_denied()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Approvals:Timeout"] = "00:00:01" });
        var sessionId = await runner.RunAsync("alice", "write late.txt never");
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        Assert.Equal(1000, request.Data.GetProperty("expiresAt").GetInt64() - request.Data.GetProperty("requestedAt").GetInt64());

        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved, TimeSpan.FromSeconds(10));
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("system", resolved.Data.GetProperty("by").GetString());
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(10));
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Denied, completed.Data.GetProperty("reason").GetString());
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);

        var (late, body) = await runner.PostAsync($"/api/approvals/{request.Data.GetProperty("requestId").GetString()}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("expired", body.GetProperty("status").GetString());
        Assert.Equal("system", body.GetProperty("by").GetString());
        Assert.False(File.Exists(Path.Combine(runner.SandboxRoot, sessionId, "late.txt")));
        Assert.Equal(SessionStatus.Failed, (string?)await _connection.GetDatabase().HashGetAsync(Nexus.Contracts.Redis.RedisKeys.Session(sessionId), "status"));
    }

    private (ApprovalStore Store, ApprovalExpirySweeper Sweeper) CreateSweeper(TimeProvider time)
    {
        var runnerOptions = Options.Create(new RunnerOptions());
        var store = new ApprovalStore(_connection, runnerOptions);
        var events = new SessionEvents(new NotificationPublisher(_connection, NullLogger<NotificationPublisher>.Instance, time));
        var resolver = new ApprovalResolver(store, events, time, NullLogger<ApprovalResolver>.Instance);
        var sweeper = new ApprovalExpirySweeper(store, resolver, Options.Create(new ApprovalOptions()), time, NullLogger<ApprovalExpirySweeper>.Instance);
        return (store, sweeper);
    }
}
