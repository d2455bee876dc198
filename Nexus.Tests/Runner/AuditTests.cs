using System.Net;
using System.Text.Json;
using Nexus.Contracts;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// Audit records over the runner's HTTP API (docs/protocol.md 4.2, issue 13 item 6): every decided request with who, when,
/// why and what became of its tool call, newest first, filtered by session and limit, visible to whoever may see the
/// request, and kept for <c>Approvals:AuditRetention</c>. The same through the socket: EndToEndAuditTests.
/// </summary>
public sealed class AuditTests : IAsyncLifetime
{
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
    }

    [Fact]
    public async Task Audit_records_say_who_decided_what_when_and_why_and_whether_the_tool_ran()
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        var approved = await runner.RunAsync("alice", "write a.txt x then echo ok");
        var approvedRequest = await RequestIdAsync(approved);
        Assert.Equal(HttpStatusCode.OK, (await runner.PostAsync($"/api/approvals/{approvedRequest}/decision", new { decision = "approve", reason = "looks fine" }, "bob")).Response.StatusCode);
        await _events.WaitForEventAsync(approved, EventNames.AgentCompleted);
        var denied = await runner.RunAsync("dave", "write b.txt y");
        var deniedRequest = await RequestIdAsync(denied);
        Assert.Equal(HttpStatusCode.OK, (await runner.PostAsync($"/api/approvals/{deniedRequest}/decision", new { decision = "deny", reason = "no" }, "carol")).Response.StatusCode);
        await _events.WaitForEventAsync(denied, EventNames.AgentCompleted);

        var (response, body) = await runner.GetAsync("/api/approvals?state=decided", "erin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var records = body.GetProperty("approvals").EnumerateArray().ToList();
        Assert.Equal([deniedRequest, approvedRequest], records.Select(r => r.GetProperty("requestId").GetString()));

        var yes = records[1];
        Assert.Equal(approved, yes.GetProperty("sessionId").GetString());
        Assert.Equal("alice", yes.GetProperty("owner").GetString());
        Assert.Equal("write_file", yes.GetProperty("tool").GetString());
        Assert.Equal("a.txt", yes.GetProperty("arguments").GetProperty("file").GetString());
        Assert.Equal("approved", yes.GetProperty("decision").GetString());
        Assert.Equal("bob", yes.GetProperty("by").GetString());
        Assert.Equal("looks fine", yes.GetProperty("reason").GetString());
        Assert.InRange(yes.GetProperty("decidedAt").GetInt64(), yes.GetProperty("requestedAt").GetInt64(), yes.GetProperty("expiresAt").GetInt64());
        Assert.True(yes.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.Equal("wrote 1 bytes to a.txt", yes.GetProperty("outcome").GetProperty("result").GetString());

        var no = records[0];
        Assert.Equal("denied", no.GetProperty("decision").GetString());
        Assert.Equal("carol", no.GetProperty("by").GetString());
        Assert.Equal("no", no.GetProperty("reason").GetString());
        Assert.False(no.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.False(no.GetProperty("outcome").TryGetProperty("result", out _));

        var (_, one) = await runner.GetAsync("/api/approvals?state=decided&limit=1", "erin");
        Assert.Equal([deniedRequest], one.GetProperty("approvals").EnumerateArray().Select(r => r.GetProperty("requestId").GetString()));
        var (_, ofSession) = await runner.GetAsync($"/api/approvals?state=decided&sessionId={approved}", "erin");
        Assert.Equal([approvedRequest], ofSession.GetProperty("approvals").EnumerateArray().Select(r => r.GetProperty("requestId").GetString()));
        var (_, pending) = await runner.GetAsync("/api/approvals", "erin");
        Assert.Equal(0, pending.GetProperty("approvals").GetArrayLength());
    }

    [Fact]
    public async Task Under_restricted_approvals_an_audit_record_is_visible_to_whoever_may_see_its_request()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Auth:RestrictApprovals"] = "true" });
        var alices = await runner.RunAsync("alice", "write a.txt x");
        var bobs = await runner.RunAsync("bob", "write b.txt y");
        foreach (var sessionId in new[] { alices, bobs })
        {
            var requestId = await RequestIdAsync(sessionId);
            Assert.Equal(HttpStatusCode.OK, (await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "deny" }, "ann", approver: true)).Response.StatusCode);
            await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        }

        Assert.Equal([alices], await DecidedSessionsAsync(runner, "/api/approvals?state=decided", "alice"));
        Assert.Equal([bobs], await DecidedSessionsAsync(runner, "/api/approvals?state=decided", "bob"));
        Assert.Empty(await DecidedSessionsAsync(runner, $"/api/approvals?state=decided&sessionId={bobs}", "alice"));
        Assert.Equal([bobs, alices], await DecidedSessionsAsync(runner, "/api/approvals?state=decided", "ann", approver: true));
    }

    [Fact]
    public async Task Audit_records_are_kept_for_the_audit_retention_and_no_longer()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Approvals:AuditRetention"] = "00:00:02" });
        var sessionId = await runner.RunAsync("alice", "write short.txt lived");
        var requestId = await RequestIdAsync(sessionId);
        await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);

        Assert.Equal([sessionId], await DecidedSessionsAsync(runner, "/api/approvals?state=decided", "bob"));
        await using var redis = await _redis.ConnectAsync();
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(Nexus.Contracts.Redis.RedisKeys.Approval(requestId));
        Assert.InRange(ttl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));

        await Wait.UntilAsync(async () => (await DecidedSessionsAsync(runner, "/api/approvals?state=decided", "bob")).Count == 0, "the record to pass its retention");
        Assert.False(await redis.GetDatabase().KeyExistsAsync(Nexus.Contracts.Redis.RedisKeys.Approval(requestId)));
    }

    [Theory]
    [InlineData("state=maybe", "state")]
    [InlineData("state=Decided", "state")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("state=decided&sessionId=%20", "sessionId")]
    public async Task A_bad_list_query_is_a_400_naming_the_parameter(string query, string param)
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        var (response, body) = await runner.GetAsync("/api/approvals?" + query, "alice");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, body.GetProperty("param").GetString());
    }

    private async Task<string> RequestIdAsync(string sessionId)
        => (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;

    private static async Task<List<string?>> DecidedSessionsAsync(RunnerHost runner, string path, string user, bool approver = false)
    {
        var (response, body) = await runner.GetAsync(path, user, approver);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(body.GetProperty("approvals").EnumerateArray(), r => Assert.Equal(JsonValueKind.Number, r.GetProperty("decidedAt").ValueKind));
        return [.. body.GetProperty("approvals").EnumerateArray().Select(r => r.GetProperty("sessionId").GetString())];
    }
}
