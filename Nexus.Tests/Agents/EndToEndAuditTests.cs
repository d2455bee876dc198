using Nexus.Contracts;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;

namespace Nexus.Tests.Agents;

/// <summary>
/// Issue 13 through a real gateway and a real runner over one Redis, on the socket: audit records with
/// <c>approval.list { state: "decided", sessionId, limit }</c> for the same users who may see the requests, ended
/// sessions in <c>agent.list</c> with <c>endedAt</c>, <c>result</c> and <c>reason</c>, and <c>agent.run</c> with an
/// <c>idempotencyKey</c> that a retry after a timeout can repeat without starting a second session.
/// </summary>
public sealed class EndToEndAuditTests
{
    [Fact]
    public async Task Audit_records_and_ended_sessions_through_the_socket_for_the_users_who_may_see_them()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Auth:RestrictApprovals"] = "true" });
        await using var gateway = await GatewayHost.StartAsync(redis, Wiring(runner, ("Auth:RestrictApprovals", "true")));
        await using var alice = await gateway.ConnectAsync("alice");
        await using var mallory = await gateway.ConnectAsync("mallory");
        await using var ann = await gateway.ConnectAsync("ann", approver: true);

        var sessionId = await alice.RunAsync("write audit.txt hello then echo kept");
        var requestId = (await ann.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data").GetProperty("requestId").GetString()!;
        var pending = (await alice.ResultAsync("approval.list", new { sessionId })).GetProperty("approvals");
        Assert.Equal(requestId, Assert.Single(pending.EnumerateArray()).GetProperty("requestId").GetString());
        await ann.ResultAsync("approval.respond", new { requestId, decision = "approve", reason = "checked" });
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        var denied = await alice.RunAsync("write second.txt no");
        var deniedRequest = (await ann.WaitForSessionEventAsync(EventNames.ApprovalRequest, denied)).GetProperty("data").GetProperty("requestId").GetString()!;
        await ann.ResultAsync("approval.respond", new { requestId = deniedRequest, decision = "deny" });
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, denied);

        // The owner sees the records of her sessions, newest first; the approver sees them too; nobody else does.
        var records = (await alice.ResultAsync("approval.list", new { state = "decided" })).GetProperty("approvals").EnumerateArray().ToList();
        Assert.Equal([deniedRequest, requestId], records.Select(r => r.GetProperty("requestId").GetString()));
        var record = records[1];
        Assert.Equal("approved", record.GetProperty("decision").GetString());
        Assert.Equal("ann", record.GetProperty("by").GetString());
        Assert.Equal("checked", record.GetProperty("reason").GetString());
        Assert.True(record.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.Equal("wrote 5 bytes to audit.txt", record.GetProperty("outcome").GetProperty("result").GetString());
        Assert.False(records[0].GetProperty("outcome").GetProperty("executed").GetBoolean());
        var one = (await ann.ResultAsync("approval.list", new { state = "decided", sessionId, limit = 1 })).GetProperty("approvals");
        Assert.Equal(requestId, Assert.Single(one.EnumerateArray()).GetProperty("requestId").GetString());
        Assert.Equal(0, (await mallory.ResultAsync("approval.list", new { state = "decided" })).GetProperty("approvals").GetArrayLength());
        Assert.Equal(0, (await mallory.ResultAsync("approval.list", new { state = "decided", sessionId })).GetProperty("approvals").GetArrayLength());

        // agent.list: the ended sessions with endedAt, result and reason as agent.completed gave them.
        var sessions = (await alice.ResultAsync("agent.list", new { })).GetProperty("sessions").EnumerateArray().ToList();
        var done = Assert.Single(sessions, s => s.GetProperty("sessionId").GetString() == sessionId);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("kept", done.GetProperty("result").GetString());
        Assert.True(done.GetProperty("endedAt").GetInt64() >= done.GetProperty("startedAt").GetInt64());
        Assert.False(done.TryGetProperty("reason", out _));
        var no = Assert.Single(sessions, s => s.GetProperty("sessionId").GetString() == denied);
        Assert.Equal("failed", no.GetProperty("status").GetString());
        Assert.Equal("denied", no.GetProperty("reason").GetString());
        Assert.False(no.TryGetProperty("result", out _));

        var bad = await alice.ErrorAsync("approval.list", new { state = "all" });
        Assert.Equal(-32602, bad.GetProperty("code").GetInt32());
        Assert.Equal("state", bad.GetProperty("data").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Agent_run_retried_with_its_idempotency_key_starts_one_session()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var recorder = await NotifyRecorder.StartAsync(redis);
        await using var runner = await RunnerHost.StartAsync(redis);
        await using var gateway = await GatewayHost.StartAsync(redis, Wiring(runner));
        await using var alice = await gateway.ConnectAsync("alice");
        await using var bob = await gateway.ConnectAsync("bob");

        // The first call's answer is lost (a timeout, a dropped socket): the client asks again with the same key.
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => alice.ResultAsync("agent.run", new { task = "sleep 1 then echo once", idempotencyKey = "retry-1" })));
        var sessionId = Assert.Single(results.Select(r => r.GetProperty("sessionId").GetString()).Distinct());
        var others = await bob.ResultAsync("agent.run", new { task = "echo mine", idempotencyKey = "retry-1" });
        Assert.NotEqual(sessionId, others.GetProperty("sessionId").GetString());

        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId!);
        Assert.Single(recorder.All, n => n.Event == EventNames.AgentStarted && n.Data.GetProperty("owner").GetString() == "alice");
        Assert.Equal(sessionId, (await alice.ResultAsync("agent.run", new { task = "sleep 1 then echo once", idempotencyKey = "retry-1" })).GetProperty("sessionId").GetString());
    }

    private static Dictionary<string, string?> Wiring(RunnerHost runner, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
            ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }
}
