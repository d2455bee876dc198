using System.Net;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>The runner's HTTP API and events, in-process on real Kestrel with a real redis-server.</summary>
public sealed class RunnerApiTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private RunnerHost _runner = null!;
    private NotifyRecorder _events = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _events = await NotifyRecorder.StartAsync(_redis);
        _runner = await RunnerHost.StartAsync(_redis);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _events.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Echo_task_publishes_started_then_completed_with_the_text_as_result()
    {
        var sessionId = await _runner.RunAsync("alice", "echo hello world");

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal("hello world", completed.Data.GetProperty("result").GetString());
        Assert.False(completed.Data.TryGetProperty("reason", out _));
        Assert.Equal(Channels.Global, completed.Channel);

        var events = _events.ForSession(sessionId).Select(n => n.Event).Where(e => e.StartsWith("agent.", StringComparison.Ordinal) && e != EventNames.AgentProgress).ToList();
        Assert.Equal([EventNames.AgentStarted, EventNames.AgentCompleted], events);
        var started = _events.ForSession(sessionId).First(n => n.Event == EventNames.AgentStarted);
        Assert.Equal("alice", started.Data.GetProperty("owner").GetString());
        Assert.Equal("echo hello world", started.Data.GetProperty("task").GetString());
        Assert.True(started.Payload.GetProperty("timestamp").GetInt64() > 1_700_000_000_000);

        await using var redis = await _redis.ConnectAsync();
        var record = await redis.GetDatabase().HashGetAllAsync(RedisKeys.Session(sessionId));
        var map = record.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal("alice", map[RedisKeys.SessionOwnerField]);
        Assert.Equal(SessionStatus.Completed, map["status"]);
        Assert.Equal("hello world", map["result"]);
        Assert.True(long.Parse(map["endedAt"]) >= long.Parse(map["startedAt"]));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(RedisKeys.Session(sessionId)) > TimeSpan.FromDays(6));
    }

    [Fact]
    public async Task Retried_create_with_the_same_idempotency_key_returns_the_same_session()
    {
        var body = new { task = "echo once" };
        var (first, firstBody) = await _runner.PostAsync("/api/sessions", body, "bob", "key-1");
        var (second, secondBody) = await _runner.PostAsync("/api/sessions", body, "bob", "key-1");
        var (other, otherBody) = await _runner.PostAsync("/api/sessions", body, "carol", "key-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody.GetProperty("sessionId").GetString(), secondBody.GetProperty("sessionId").GetString());
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual(firstBody.GetProperty("sessionId").GetString(), otherBody.GetProperty("sessionId").GetString());

        await _events.WaitForEventAsync(firstBody.GetProperty("sessionId").GetString()!, EventNames.AgentCompleted);
        Assert.Single(_events.All, n => n.Event == EventNames.AgentStarted && n.Data.GetProperty("owner").GetString() == "bob");
    }

    [Fact]
    public async Task Concurrent_creates_with_one_key_create_one_session()
    {
        var body = new { task = "echo race" };
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _runner.PostAsync("/api/sessions", body, "dave", "race-key")));
        Assert.Single(results.Select(r => r.Body.GetProperty("sessionId").GetString()).Distinct());
        Assert.Single(results, r => r.Response.StatusCode == HttpStatusCode.Created);
    }

    [Fact]
    public async Task Write_task_waits_for_approval_then_writes_the_file_into_the_session_sandbox()
    {
        var sessionId = await _runner.RunAsync("alice", "write notes.txt hello sandbox then echo done");
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        var requestId = request.Data.GetProperty("requestId").GetString()!;
        Assert.Equal(Channels.Approval, request.Channel);
        Assert.Equal("write_file", request.Data.GetProperty("tool").GetString());
        Assert.Equal("notes.txt", request.Data.GetProperty("arguments").GetProperty("file").GetString());
        Assert.Equal("alice", request.Data.GetProperty("owner").GetString());
        var requestedAt = request.Data.GetProperty("requestedAt").GetInt64();
        Assert.Equal(requestedAt + 300_000, request.Data.GetProperty("expiresAt").GetInt64());
        Assert.False(File.Exists(Path.Combine(_runner.SandboxRoot, sessionId, "notes.txt")));

        var (listed, listBody) = await _runner.GetAsync("/api/approvals", "carol");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var pending = Assert.Single(listBody.GetProperty("approvals").EnumerateArray(), a => a.GetProperty("requestId").GetString() == requestId);
        Assert.Equal(sessionId, pending.GetProperty("sessionId").GetString());
        Assert.Equal(SessionStatus.WaitingApproval, await StatusAsync(sessionId));

        var (decided, decidedBody) = await _runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal("approved", decidedBody.GetProperty("decision").GetString());
        Assert.Equal("resolved", decidedBody.GetProperty("status").GetString());

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal("done", completed.Data.GetProperty("result").GetString());
        Assert.Equal("hello sandbox", await File.ReadAllTextAsync(Path.Combine(_runner.SandboxRoot, sessionId, "notes.txt")));

        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved);
        Assert.Equal("approved", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("bob", resolved.Data.GetProperty("by").GetString());
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);

        var (again, againBody) = await _runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "deny" }, "carol");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("approved", againBody.GetProperty("status").GetString());
        Assert.Equal("bob", againBody.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Denied_write_ends_the_session_with_reason_denied_and_writes_nothing()
    {
        var sessionId = await _runner.RunAsync("alice", "write secret.txt nope");
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        var requestId = request.Data.GetProperty("requestId").GetString()!;

        var (decided, _) = await _runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "deny", reason = "not today" }, "bob");
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Denied, completed.Data.GetProperty("reason").GetString());
        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved);
        Assert.Equal("denied", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("not today", resolved.Data.GetProperty("reason").GetString());
        Assert.False(File.Exists(Path.Combine(_runner.SandboxRoot, sessionId, "secret.txt")));
        Assert.Equal(SessionStatus.Failed, await StatusAsync(sessionId));
    }

    [Fact]
    public async Task Cancel_by_the_owner_ends_a_sleeping_session_quickly_with_reason_cancelled()
    {
        var sessionId = await _runner.RunAsync("alice", "sleep 30");
        await _events.WaitForAsync(n => n.Event == EventNames.AgentProgress && n.SessionId == sessionId && n.Channel == Channels.Agent(sessionId), "first progress");

        var (forbidden, _) = await _runner.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "mallory");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var (accepted, body) = await _runner.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "alice");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("cancelling", body.GetProperty("status").GetString());

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(5));
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Cancelled, completed.Data.GetProperty("reason").GetString());
        Assert.Equal(SessionStatus.Cancelled, await StatusAsync(sessionId));
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
    }

    [Fact]
    public async Task Cancel_while_waiting_for_approval_expires_the_request_once()
    {
        var sessionId = await _runner.RunAsync("alice", "write a.txt x");
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        var (accepted, _) = await _runner.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "alice");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.Equal(CompletionReasons.Cancelled, completed.Data.GetProperty("reason").GetString());
        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved);
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());
        Assert.Equal("system", resolved.Data.GetProperty("by").GetString());

        var (late, lateBody) = await _runner.PostAsync($"/api/approvals/{request.Data.GetProperty("requestId").GetString()}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("expired", lateBody.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_task_fails_with_agent_error_then_completed_reason_error()
    {
        var sessionId = await _runner.RunAsync("alice", "echo hi then juggle");
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.Equal(CompletionReasons.Error, completed.Data.GetProperty("reason").GetString());
        var error = Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentError);
        Assert.Contains("Step 2", error.Data.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Channels.Global, error.Channel);
        var order = _events.ForSession(sessionId).Select(n => n.Event).Where(e => e is EventNames.AgentError or EventNames.AgentCompleted).ToList();
        Assert.Equal([EventNames.AgentError, EventNames.AgentCompleted], order);
    }

    [Fact]
    public async Task Harmless_tools_report_progress_and_answer()
    {
        var sessionId = await _runner.RunAsync("erin", "now then add 2 3");
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.Equal("5", completed.Data.GetProperty("result").GetString());
        var steps = _events.ForSession(sessionId).Where(n => n.Event == EventNames.AgentProgress).Select(n => n.Data.GetProperty("step").GetInt32()).ToList();
        Assert.Equal([1, 2], steps);
    }

    [Fact]
    public async Task List_returns_the_owners_sessions_newest_first()
    {
        var first = await _runner.RunAsync("frank", "echo 1");
        await _events.WaitForEventAsync(first, EventNames.AgentCompleted);
        var second = await _runner.RunAsync("frank", "sleep 30");
        await _runner.RunAsync("grace", "echo other");

        // The caller is the token's user: an owner in the query names nobody (grace's session is not listed).
        var (response, body) = await _runner.GetAsync("/api/sessions?owner=grace", "frank");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessions = body.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal([second, first], sessions.Select(s => s.GetProperty("sessionId").GetString()));
        Assert.Equal("completed", sessions[1].GetProperty("status").GetString());
        Assert.Equal("echo 1", sessions[1].GetProperty("task").GetString());
        Assert.True(sessions[0].GetProperty("startedAt").GetInt64() >= sessions[1].GetProperty("startedAt").GetInt64());
        await _runner.PostAsync($"/api/sessions/{second}/cancel", new { }, "frank");
    }

    [Theory]
    [InlineData("/api/sessions", """{"task":"  "}""", "task")]
    [InlineData("/api/sessions", """{"owner":"a"}""", "task")]
    [InlineData("/api/approvals/apr_unknown/decision", """{"decision":"maybe"}""", "decision")]
    [InlineData("/api/approvals/apr_unknown/decision", """{"by":"a"}""", "decision")]
    public async Task Bad_input_is_a_400_naming_the_field(string path, string json, string param)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        var (response, body) = await _runner.SendAsync(request, "alice");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, body.GetProperty("param").GetString());
        Assert.Equal(400, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unknown_ids_are_404()
    {
        var (cancel, _) = await _runner.PostAsync("/api/sessions/s_nope/cancel", new { }, "alice");
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        var (decide, _) = await _runner.PostAsync("/api/approvals/apr_nope/decision", new { decision = "approve" }, "alice");
        Assert.Equal(HttpStatusCode.NotFound, decide.StatusCode);
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/api/openapi/v1.json")] // the path the front door forwards
    public async Task OpenApi_document_describes_the_api(string path)
    {
        var (response, body) = await _runner.GetAsync(path, "alice");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("paths").TryGetProperty("/api/sessions", out _));
        Assert.True(body.GetProperty("paths").TryGetProperty("/api/approvals/{requestId}/decision", out _));
    }

    private async Task<string?> StatusAsync(string sessionId)
    {
        await using var redis = await _redis.ConnectAsync();
        return await redis.GetDatabase().HashGetAsync(RedisKeys.Session(sessionId), "status");
    }
}
