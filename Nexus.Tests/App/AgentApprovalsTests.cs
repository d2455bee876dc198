using System.Text.Json;
using Aspire.Hosting.Testing;
using Nexus.Contracts;
using Nexus.Tests.Agents;
using Nexus.Tests.Gateway.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 3, "tests it must have": agent sessions and human approvals through the front door of the whole app
/// (proxy → gateway → runner → Redis → gateway), with two WebSocket clients of two users.
/// Every test uses users of its own, because the app (and its global and approval channels) is shared.
/// </summary>
[Collection(NexusAppCollection.Name)]
public sealed class AgentApprovalsTests(NexusAppFixture fixture)
{
    [Fact]
    public async Task Another_user_approves_and_the_owners_session_completes()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);
        await RegisteredAsync(b);

        var sessionId = await a.RunAsync("write notes.txt hello");

        var request = (await b.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data");
        Assert.Equal(alice, request.GetProperty("owner").GetString());
        var requestId = request.GetProperty("requestId").GetString()!;

        var decided = await b.ResultAsync("approval.respond", new { requestId, decision = "approve" });
        Assert.Equal(requestId, decided.GetProperty("requestId").GetString());
        Assert.Equal("approved", decided.GetProperty("decision").GetString());
        Assert.Equal("resolved", decided.GetProperty("status").GetString());

        var resolved = await a.WaitForEventAsync(EventNames.ApprovalResolved, d => EndToEndRpc.HasString(d, "requestId", requestId));
        Assert.Equal("approval", resolved.GetProperty("channel").GetString());
        Assert.Equal("approved", resolved.GetProperty("data").GetProperty("decision").GetString());
        Assert.Equal(bob, resolved.GetProperty("data").GetProperty("by").GetString());

        var completed = await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        Assert.Equal("global", completed.GetProperty("channel").GetString());
        Assert.True(completed.GetProperty("data").GetProperty("success").GetBoolean());
        var seenByBob = await b.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        Assert.True(seenByBob.GetProperty("data").GetProperty("success").GetBoolean());

        // A second decision, by anyone, is a conflict that reports the final state.
        var conflict = await a.ErrorAsync("approval.respond", new { requestId, decision = "deny" });
        Assert.Equal(-32003, conflict.GetProperty("code").GetInt32());
        var state = conflict.GetProperty("data");
        Assert.Equal(requestId, state.GetProperty("requestId").GetString());
        Assert.Equal("approved", state.GetProperty("status").GetString());
        Assert.Equal(bob, state.GetProperty("by").GetString());
    }

    [Fact]
    public async Task A_denied_tool_call_ends_the_session_with_reason_denied()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);
        await RegisteredAsync(b);

        var sessionId = await a.RunAsync("write secrets.txt nope then echo unreachable");
        var request = (await b.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data");
        var requestId = request.GetProperty("requestId").GetString()!;

        var decided = await b.ResultAsync("approval.respond", new { requestId, decision = "deny", reason = "not today" });
        Assert.Equal("denied", decided.GetProperty("decision").GetString());

        var resolved = (await a.WaitForEventAsync(EventNames.ApprovalResolved, d => EndToEndRpc.HasString(d, "requestId", requestId))).GetProperty("data");
        Assert.Equal("denied", resolved.GetProperty("decision").GetString());
        Assert.Equal(bob, resolved.GetProperty("by").GetString());
        Assert.Equal("not today", resolved.GetProperty("reason").GetString());

        var completed = (await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId)).GetProperty("data");
        Assert.False(completed.GetProperty("success").GetBoolean());
        Assert.Equal("denied", completed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Only_the_owner_may_cancel_and_a_cancelled_session_completes_with_reason_cancelled()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);

        var sessionId = await a.RunAsync("sleep 30");
        await a.WaitForSessionEventAsync(EventNames.AgentStarted, sessionId);

        var forbidden = await b.ErrorAsync("agent.cancel", new { sessionId });
        Assert.Equal(-32001, forbidden.GetProperty("code").GetInt32());

        var cancelling = await a.ResultAsync("agent.cancel", new { sessionId });
        Assert.Equal(sessionId, cancelling.GetProperty("sessionId").GetString());
        Assert.Equal("cancelling", cancelling.GetProperty("status").GetString());

        // Well before the 30 s the task would take.
        var completed = (await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId, TimeSpan.FromSeconds(15))).GetProperty("data");
        Assert.False(completed.GetProperty("success").GetBoolean());
        Assert.Equal("cancelled", completed.GetProperty("reason").GetString());

        var sessions = (await a.ResultAsync("agent.list", new { })).GetProperty("sessions");
        var listed = Assert.Single(sessions.EnumerateArray(), s => s.GetProperty("sessionId").GetString() == sessionId);
        Assert.Equal("cancelled", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_client_that_connects_late_sees_the_pending_request_in_approval_list()
    {
        var (alice, carol) = (User("alice"), User("carol"));
        await using var a = await ConnectAsync(alice);
        var sessionId = await a.RunAsync("write late.txt still waiting");
        var request = (await a.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data");
        var requestId = request.GetProperty("requestId").GetString()!;

        await using var c = await ConnectAsync(carol);
        var approvals = (await c.ResultAsync("approval.list", new { })).GetProperty("approvals");
        var pending = Assert.Single(approvals.EnumerateArray(), r => r.GetProperty("requestId").GetString() == requestId);
        Assert.Equal(sessionId, pending.GetProperty("sessionId").GetString());
        Assert.Equal(alice, pending.GetProperty("owner").GetString());
        Assert.Equal(request.GetProperty("tool").GetString(), pending.GetProperty("tool").GetString());
        Assert.Equal(JsonValueKind.Number, pending.GetProperty("requestedAt").ValueKind);
        Assert.True(pending.GetProperty("expiresAt").GetInt64() > pending.GetProperty("requestedAt").GetInt64());

        // The late client can decide it too; afterwards it is no longer pending.
        await c.ResultAsync("approval.respond", new { requestId, decision = "deny" });
        await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        var after = (await c.ResultAsync("approval.list", new { })).GetProperty("approvals");
        Assert.DoesNotContain(after.EnumerateArray(), r => r.GetProperty("requestId").GetString() == requestId);
    }

    [Fact]
    public async Task Agent_list_shows_the_callers_sessions_newest_first()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);

        var started = new List<string>();
        foreach (var word in new[] { "one", "two", "three" })
        {
            var sessionId = await a.RunAsync("echo " + word);
            var completed = (await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId)).GetProperty("data");
            Assert.Equal(word, completed.GetProperty("result").GetString());
            started.Add(sessionId);
        }

        var sessions = (await a.ResultAsync("agent.list", new { })).GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Reverse(started), sessions.Select(s => s.GetProperty("sessionId").GetString()));
        Assert.All(sessions, s => Assert.Equal("completed", s.GetProperty("status").GetString()));
        Assert.Equal("echo three", sessions[0].GetProperty("task").GetString());
        Assert.True(sessions[0].GetProperty("startedAt").GetInt64() >= sessions[2].GetProperty("startedAt").GetInt64());

        var bobs = (await b.ResultAsync("agent.list", new { })).GetProperty("sessions");
        Assert.Equal(0, bobs.GetArrayLength());
    }

    [Fact]
    public async Task Progress_reaches_only_the_owner_even_when_another_user_subscribes_to_it()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await ConnectAsync(alice);
        await using var b = await ConnectAsync(bob);

        // Subscribing can only narrow what a client receives (docs/protocol.md 4.2).
        await b.ResultAsync("notify.subscribe", new { channels = new[] { "agent:*", "global" } });
        var sessionId = await a.RunAsync("sleep 1 then echo done");

        var progress = await a.WaitForSessionEventAsync(EventNames.AgentProgress, sessionId);
        Assert.Equal("agent:" + sessionId, progress.GetProperty("channel").GetString());
        await a.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        await b.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);

        // The gateway fans out Redis messages in the order it receives them: once Bob has a sentinel published after
        // Alice's progress, any progress wrongly routed to Bob would have arrived before it.
        var marker = Guid.NewGuid().ToString("N");
        await PublishAsync("global", $$$"""{"event":"test.sentinel","data":{"marker":"{{{marker}}}"}}""");
        await b.WaitForEventAsync("test.sentinel", d => EndToEndRpc.HasString(d, "marker", marker));

        Assert.Empty(b.Events(EventNames.AgentProgress, d => EndToEndRpc.HasString(d, "sessionId", sessionId)));
        Assert.NotEmpty(a.Events(EventNames.AgentProgress, d => EndToEndRpc.HasString(d, "sessionId", sessionId)));
    }

    private static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A reply proves the gateway registered the connection: nothing published afterwards can miss it.</summary>
    private static Task<JsonElement> RegisteredAsync(TestClient client) => client.ResultAsync("agent.list", new { });

    private Task<TestClient> ConnectAsync(string user) => TestClient.ConnectAsync(fixture.WebSocketUri("user=" + Uri.EscapeDataString(user)));

    private async Task PublishAsync(string channel, string payload)
    {
        using var timeout = new CancellationTokenSource(EndToEndRpc.Timeout);
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", timeout.Token);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Channels.RedisPrefix + channel), payload).WaitAsync(EndToEndRpc.Timeout);
    }
}
