using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// Issue 13, "tests it must have", with runners as real OS processes (<see cref="RunnerProcess"/>): killed with SIGKILL
/// while approvals are pending, down while a decision is made, frozen with SIGSTOP past its lease and thawed. Every
/// pending approval survives, every session ends once, and a runner that lost its sessions does nothing more for them.
/// </summary>
public sealed class DurableSessionProcessTests : IAsyncLifetime
{
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), "nexus-process-tests", Guid.NewGuid().ToString("N"));
    private RedisServer _redis = null!;
    private NotifyRecorder _events = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _events = await NotifyRecorder.StartAsync(_redis);
    }

    public async Task DisposeAsync()
    {
        await _events.DisposeAsync();
        await _redis.DisposeAsync();
        if (Directory.Exists(_sandbox))
        {
            Directory.Delete(_sandbox, recursive: true);
        }
    }

    [Fact]
    public async Task Kill_9_with_five_approvals_pending_then_another_runner_completes_all_five_each_tool_once()
    {
        var sessions = new List<(string SessionId, string RequestId)>();
        await using (var doomed = await RunnerProcess.StartAsync(_redis, _sandbox))
        {
            for (var i = 0; i < 5; i++)
            {
                var sessionId = await doomed.RunAsync("alice", $"write f{i}.txt value {i} then echo done {i}");
                var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest, TimeSpan.FromSeconds(30));
                sessions.Add((sessionId, request.Data.GetProperty("requestId").GetString()!));
            }

            await WaitParkedAsync(sessions.Select(s => s.SessionId));
            doomed.Kill();
            Assert.True(doomed.HasExited);
        }

        await using var survivor = await RunnerProcess.StartAsync(_redis, _sandbox);
        foreach (var (_, requestId) in sessions)
        {
            var (decided, body) = await survivor.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            Assert.Equal("approved", body.GetProperty("decision").GetString());
        }

        for (var i = 0; i < 5; i++)
        {
            var sessionId = sessions[i].SessionId;
            var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(30));
            Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
            Assert.Equal($"done {i}", completed.Data.GetProperty("result").GetString());
            Assert.Equal($"value {i}", await File.ReadAllTextAsync(Path.Combine(_sandbox, sessionId, $"f{i}.txt")));
        }

        // Once each: one agent.completed, one approval_resolved, and the tool ran once (its progress and the audit say so).
        await Wait.UntilAsync(() => sessions.All(s => _events.ForSession(s.SessionId).Any(n => n.Event == EventNames.AgentCompleted)), "every completion");
        foreach (var (sessionId, requestId) in sessions)
        {
            Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
            Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);
            Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentProgress && n.Data.GetProperty("message").GetString() == "running write_file");
            var audit = await AuditAsync(survivor, sessionId);
            Assert.Equal(requestId, audit.GetProperty("requestId").GetString());
            Assert.True(audit.GetProperty("outcome").GetProperty("executed").GetBoolean());
        }
    }

    [Fact]
    public async Task A_decision_made_while_no_runner_is_up_completes_the_session_once_a_runner_starts()
    {
        string sessionId, requestId;
        await using (var doomed = await RunnerProcess.StartAsync(_redis, _sandbox))
        {
            sessionId = await doomed.RunAsync("alice", "write late.txt decided while down then echo resumed");
            requestId = (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest, TimeSpan.FromSeconds(30))).Data.GetProperty("requestId").GetString()!;
            await WaitParkedAsync([sessionId]);
            doomed.Kill();
        }

        // No runner process is up: the decision goes through the runner's own decision code straight to Redis, as the API
        // handler of any replica would. It is recorded, and queues the session for whichever runner comes next.
        await using var connection = await _redis.ConnectAsync();
        var store = new ApprovalStore(connection, Options.Create(new RunnerOptions()), Options.Create(new ApprovalOptions()));
        var resolver = new ApprovalResolver(store, new SessionEvents(new NotificationPublisher(connection, NullLogger<NotificationPublisher>.Instance, TimeProvider.System)), NullLogger<ApprovalResolver>.Instance);
        var outcome = await resolver.ResolveAsync(requestId, ApprovalDecisions.Approved, "bob", "fine");
        Assert.Equal(DecideResult.Won, outcome.Result);
        Assert.NotNull(await connection.GetDatabase().SortedSetScoreAsync("nexus:sessions:ready", sessionId));
        Assert.Equal(SessionStatus.WaitingApproval, (string?)await connection.GetDatabase().HashGetAsync(RedisKeys.Session(sessionId), "status"));
        Assert.DoesNotContain(_events.ForSession(sessionId), n => n.Event is EventNames.AgentCompleted or EventNames.AgentError);

        await using var next = await RunnerProcess.StartAsync(_redis, _sandbox);

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(30));
        Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
        Assert.Equal("resumed", completed.Data.GetProperty("result").GetString());
        Assert.Equal("decided while down", await File.ReadAllTextAsync(Path.Combine(_sandbox, sessionId, "late.txt")));
        var resolved = Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);
        Assert.Equal("approved", resolved.Data.GetProperty("decision").GetString());
        Assert.DoesNotContain(_events.ForSession(sessionId), n => n.Event == EventNames.AgentError);
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        Assert.Equal(SessionStatus.Completed, (string?)await connection.GetDatabase().HashGetAsync(RedisKeys.Session(sessionId), "status"));
    }

    [Fact]
    public async Task A_runner_frozen_past_its_lease_and_thawed_publishes_nothing_and_runs_nothing_for_the_sessions_it_lost()
    {
        await using var frozen = await RunnerProcess.StartAsync(_redis, _sandbox);
        await using var other = await RunnerProcess.StartAsync(_redis, _sandbox);
        var sessionId = await frozen.RunAsync("alice", "sleep 3 then echo finished");
        await _events.WaitForEventAsync(sessionId, EventNames.AgentProgress, TimeSpan.FromSeconds(30));

        frozen.Pause();

        // The other runner takes the session over once the lease (2 s) runs out, runs the interrupted call again (it
        // has no result in the journal) and the rest, and ends the session.
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(30));
        Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
        Assert.Equal("finished", completed.Data.GetProperty("result").GetString());
        Assert.Contains(other.Output, l => l.Contains($"Took over session {sessionId}", StringComparison.Ordinal));
        var seenBeforeThaw = _events.ForSession(sessionId).Count;
        var frozenLines = frozen.Output.Count;

        frozen.Resume();

        // Thawed, it finds out at its first fenced step (a progress of its sleep, a journal write or the renewal)...
        await Wait.UntilAsync(
            () => frozen.OutputSince(frozenLines).Any(l => l.Contains($"Session {sessionId} lost its lease", StringComparison.Ordinal)
                || l.Contains($"Session {sessionId}: the lease (fence 1) could not be renewed", StringComparison.Ordinal)),
            "the thawed runner to find it lost the lease");

        // ...and then publishes nothing and runs nothing for it: a sentinel published now arrives after anything it sent.
        await using var connection = await _redis.ConnectAsync();
        await connection.GetDatabase().PublishAsync(StackExchange.Redis.RedisChannel.Literal("nexus:notify:global"), """{"event":"test.sentinel","data":{"sessionId":"sentinel"}}""");
        await _events.WaitForAsync(n => n.Event == "test.sentinel", "the sentinel");
        await Wait.UntilAsync(() => frozen.OutputSince(frozenLines).Any(l => l.Contains("lost its lease", StringComparison.Ordinal)), "the session to be abandoned on the thawed runner");
        Assert.Equal(seenBeforeThaw, _events.ForSession(sessionId).Count);
        // It ran the sleep it had begun before it froze (its log line may only come out after the thaw), and nothing after:
        // without fencing it would have gone on to the echo.
        Assert.Equal(["sleep"], frozen.Output.Where(l => l.Contains($"Session {sessionId} runs ", StringComparison.Ordinal)).Select(Tool));
        Assert.Contains(other.Output, l => l.Contains($"Session {sessionId} runs echo", StringComparison.Ordinal));
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        // The frozen runner's fence (1) is stale: the lease moved on (to 2, or further if the other runner's own heartbeat
        // came late on a busy machine and it took the session over from itself).
        Assert.True((long)await connection.GetDatabase().HashGetAsync("nexus:lease:" + sessionId, "fence") >= 2);
    }

    /// <summary>The tool of a "Session s runs tool (call ...)" log line.</summary>
    private static string Tool(string line)
    {
        var rest = line[(line.IndexOf(" runs ", StringComparison.Ordinal) + " runs ".Length)..];
        return rest[..rest.IndexOf(' ', StringComparison.Ordinal)];
    }

    private async Task WaitParkedAsync(IEnumerable<string> sessionIds)
    {
        await using var connection = await _redis.ConnectAsync();
        var db = connection.GetDatabase();
        foreach (var sessionId in sessionIds)
        {
            await Wait.UntilAsync(async () => (string?)await db.HashGetAsync("nexus:lease:" + sessionId, "holder") == "", $"{sessionId} to be parked");
        }
    }

    private static async Task<System.Text.Json.JsonElement> AuditAsync(RunnerProcess runner, string sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/approvals?state=decided&sessionId={sessionId}");
        request.Headers.Authorization = new("Bearer", Identity.Tokens.Create("alice"));
        using var response = await runner.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return Assert.Single(body.GetProperty("approvals").EnumerateArray());
    }
}
