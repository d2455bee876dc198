using System.Collections.Concurrent;
using System.Diagnostics;
using Nexus.Client;
using Nexus.Tests.Infrastructure;
using static Nexus.Tests.Clients.ClientStackFixture;

namespace Nexus.Tests.Clients;

/// <summary>
/// Issue 14, "both clients against the real gateway": the .NET client (Nexus.Client) receives, calls every method of
/// docs/protocol.md section 4.2, gets typed errors and applies filters, against the real gateway, runner and Redis.
/// </summary>
public sealed class NexusClientTests(ClientStackFixture fixture) : IClassFixture<ClientStackFixture>
{
    private ClientStack Stack => fixture.Stack;

    [Fact]
    public async Task Receives_section_6_events_typed_and_any_other_event_as_raw_json_with_ids_of_durable_ones()
    {
        await using var client = await Stack.ConnectAsync(User("ana"));
        await using var log = new NotificationLog(client);

        var startedId = await Stack.PublishEventAsync("global", NexusEvents.AgentStarted, new { sessionId = "s_1", task = "echo hi", owner = "ana" });
        var requestedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_764_345_600_000);
        var requestId = await Stack.PublishEventAsync("approval", NexusEvents.ApprovalRequest, new
        {
            requestId = "apr_1", sessionId = "s_1", owner = "ana", tool = "write_file",
            arguments = new { file = "a.txt" }, requestedAt = requestedAt.ToUnixTimeMilliseconds(), expiresAt = requestedAt.AddMinutes(5).ToUnixTimeMilliseconds(),
        });
        await Stack.Gateway.PublishAsync("global", """{"event":"custom.thing","data":{"answer":42}}""");
        var malformedId = await Stack.PublishEventAsync("global", NexusEvents.AgentCompleted, new { sessionId = 5 });

        // Matched by id: the tests of this class share one stack.
        var started = await log.WaitForEventAsync(NexusEvents.AgentStarted, n => n.Id == startedId);
        Assert.Equal(startedId, started.Id);
        Assert.Equal("global", started.Channel);
        var typed = Assert.IsType<AgentStarted>(started.KnownEvent);
        Assert.Equal(new AgentStarted("s_1", "echo hi", "ana"), typed);

        var request = Assert.IsType<ApprovalRequest>((await log.WaitForEventAsync(NexusEvents.ApprovalRequest, n => n.Id == requestId)).KnownEvent);
        Assert.Equal("apr_1", request.RequestId);
        Assert.Equal("a.txt", request.Arguments.GetProperty("file").GetString());
        Assert.Equal(requestedAt, request.RequestedAt);
        Assert.Equal(requestedAt.AddMinutes(5), request.ExpiresAt);

        // A plain PUBLISH: no id, and an event the client has no type for: raw JSON only.
        var custom = await log.WaitForEventAsync("custom.thing");
        Assert.Null(custom.Id);
        Assert.Null(custom.KnownEvent);
        Assert.Equal(42, custom.Data.GetProperty("answer").GetInt32());

        // A section 6 name with data of another shape (anyone may publish it) stays raw, and does not throw.
        var malformed = await log.WaitForEventAsync(NexusEvents.AgentCompleted, n => n.Id == malformedId);
        Assert.Null(malformed.KnownEvent);
        Assert.Equal(5, malformed.Data.GetProperty("sessionId").GetInt32());
        Assert.Equal(malformed.Id, client.LastNotificationId);
    }

    [Fact]
    public async Task Every_method_works_through_the_gateway_and_the_runner()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await using var a = await Stack.ConnectAsync(alice);
        await using var b = await Stack.ConnectAsync(bob);
        await using var aliceLog = new NotificationLog(a);
        await using var bobLog = new NotificationLog(b);

        // agent.run, then approval_request reaches bob typed; approval.list and agent.list agree.
        var sessionId = await a.RunAgentAsync("write notes.txt hello then echo saved", idempotencyKey: Guid.NewGuid().ToString("N"));
        var request = (ApprovalRequest)(await bobLog.WaitForEventAsync(NexusEvents.ApprovalRequest, n => n.KnownEvent is ApprovalRequest r && r.SessionId == sessionId)).KnownEvent!;
        Assert.Equal(alice, request.Owner);
        Assert.Equal("write_file", request.Tool);

        var pending = await b.ListApprovalsAsync(ApprovalListState.Pending);
        var listed = Assert.Single(pending, p => p.RequestId == request.RequestId);
        Assert.Equal(sessionId, listed.SessionId);
        Assert.True(listed.ExpiresAt > listed.RequestedAt);
        var sessions = await a.ListAgentsAsync();
        Assert.Equal("waiting_approval", Assert.Single(sessions, s => s.SessionId == sessionId).Status);

        // approval.respond, then the session completes for its owner.
        var response = await b.RespondToApprovalAsync(request.RequestId, ApprovalDecision.Approve, "fine");
        Assert.Equal(new ApprovalResponse(request.RequestId, "approved", "resolved"), response);
        var resolved = (ApprovalResolved)(await aliceLog.WaitForEventAsync(NexusEvents.ApprovalResolved, n => n.KnownEvent is ApprovalResolved r && r.RequestId == request.RequestId)).KnownEvent!;
        Assert.Equal(bob, resolved.By);
        Assert.Equal("fine", resolved.Reason);
        var completed = (AgentCompleted)(await aliceLog.WaitForEventAsync(NexusEvents.AgentCompleted, n => n.KnownEvent is AgentCompleted c && c.SessionId == sessionId)).KnownEvent!;
        Assert.True(completed.Success);
        Assert.Equal("saved", completed.Result);
        Assert.Contains(aliceLog.Items, n => n.KnownEvent is AgentProgress p && p.SessionId == sessionId && p.Step >= 1);

        // agent.cancel
        var sleeping = await a.RunAgentAsync("sleep 30");
        var cancel = await a.CancelAgentAsync(sleeping);
        Assert.Equal(new AgentCancelResult(sleeping, "cancelling"), cancel);
        var cancelled = (AgentCompleted)(await aliceLog.WaitForEventAsync(NexusEvents.AgentCompleted, n => n.KnownEvent is AgentCompleted c && c.SessionId == sleeping)).KnownEvent!;
        Assert.Equal(NexusCompletionReasons.Cancelled, cancelled.Reason);
        var list = await a.ListAgentsAsync();
        Assert.Equal([sleeping, sessionId], list.Where(s => s.SessionId == sleeping || s.SessionId == sessionId).Select(s => s.SessionId));

        // notify.resume by hand, on a second connection of alice's: replays what came after an id, in id order.
        var since = aliceLog.Items.First(n => n.Id is not null).Id!;
        var expected = aliceLog.Items.Where(n => n.Id is not null).Select(n => n.Id).Skip(1).ToList();
        await using var second = await Stack.ConnectAsync(alice);
        await using var secondLog = new NotificationLog(second);
        var resumed = await second.ResumeAsync(since);
        Assert.True(resumed.Recovered);
        Assert.Equal(expected.Count, resumed.Replayed);
        await Wait.UntilAsync(() => secondLog.Items.Count >= resumed.Replayed, "the replayed notifications");
        Assert.Equal(expected, secondLog.Items.Take(resumed.Replayed).Select(n => n.Id));

        // Any method, raw.
        var raw = await a.InvokeAsync("agent.list");
        Assert.Equal(list.Count, raw.GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Errors_are_one_exception_type_with_the_json_rpc_code_and_data()
    {
        var (owner, other) = (User("olga"), User("otto"));
        await using var a = await Stack.ConnectAsync(owner);
        await using var b = await Stack.ConnectAsync(other);
        await using var log = new NotificationLog(a);

        var badParam = await Assert.ThrowsAsync<NexusRpcException>(() => a.ResumeAsync(new string('7', 70)));
        Assert.Equal(NexusErrorCodes.InvalidParams, badParam.Code);
        Assert.Equal("since", badParam.Param);
        Assert.Equal("notify.resume", badParam.Method);

        var notFound = await Assert.ThrowsAsync<NexusRpcException>(() => a.RespondToApprovalAsync("apr_no_such_request", ApprovalDecision.Approve));
        Assert.Equal(NexusErrorCodes.NotFound, notFound.Code);

        var sessionId = await a.RunAgentAsync("write mine.txt x");
        var forbidden = await Assert.ThrowsAsync<NexusRpcException>(() => b.CancelAgentAsync(sessionId));
        Assert.Equal(NexusErrorCodes.Forbidden, forbidden.Code);

        var requestId = await Eventually.ValueAsync(async () => (await a.ListApprovalsAsync(sessionId: sessionId)).FirstOrDefault(r => r.SessionId == sessionId)?.RequestId, "the approval request");
        await b.RespondToApprovalAsync(requestId, ApprovalDecision.Deny, "no");
        var conflict = await Assert.ThrowsAsync<NexusRpcException>(() => a.RespondToApprovalAsync(requestId, ApprovalDecision.Approve));
        Assert.Equal(NexusErrorCodes.Conflict, conflict.Code);
        Assert.Equal("denied", conflict.ConflictStatus);
        Assert.Equal(other, conflict.Data!.Value.GetProperty("by").GetString());
        Assert.Equal(requestId, conflict.Data!.Value.GetProperty("requestId").GetString());
        // The denied session ends; waiting for it keeps its notifications out of the next test on this shared stack.
        await log.WaitForEventAsync(NexusEvents.AgentCompleted, n => n.KnownEvent is AgentCompleted c && c.SessionId == sessionId);

        var unknown = await Assert.ThrowsAsync<NexusRpcException>(() => a.InvokeAsync("no.such.method"));
        Assert.Equal(NexusErrorCodes.MethodNotFound, unknown.Code);

        // An empty channel list is refused by the gateway, and the filter is unchanged.
        var emptyChannels = await Assert.ThrowsAsync<NexusRpcException>(() => a.SubscribeAsync([]));
        Assert.Equal(NexusErrorCodes.InvalidParams, emptyChannels.Code);
        Assert.Equal("channels", emptyChannels.Param);
        Assert.Equal(NexusFilter.All, a.Filter);

        // Per-call cancellation: a call cancelled before its answer throws OperationCanceledException.
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.ListAgentsAsync(cancelled.Token));
    }

    [Fact]
    public async Task Filters_narrow_what_arrives_and_the_client_keeps_the_gateways_filter()
    {
        await using var client = await Stack.ConnectAsync(User("fay"));
        await using var log = new NotificationLog(client);

        var filter = await client.SubscribeAsync([NexusChannels.Approval, "news:*"]);
        Assert.Equal(["approval", "news:*"], filter.Include);
        filter = await client.UnsubscribeAsync(["news:sports"]);
        Assert.Equal(["approval", "news:*"], filter.Include);
        Assert.Equal(["news:sports"], filter.Exclude);
        Assert.Equal(filter, client.Filter);

        await Stack.PublishEventAsync("global", "not.for.me");
        await Stack.PublishEventAsync("news:sports", "not.for.me");
        await Stack.PublishEventAsync("news:tech", "for.me");
        await Stack.PublishEventAsync("approval", "sentinel");

        await log.WaitForEventAsync("sentinel");
        Assert.Equal(["for.me", "sentinel"], log.Items.Select(n => n.Event));
    }

    [Fact]
    public async Task A_call_carries_the_callers_trace_into_the_gateways_rpc_span()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Nexus.Gateway" or NexusClient.ActivitySourceName or "tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("tests");
        await using var client = await Stack.ConnectAsync(User("tracy"));

        ActivitySpanId parentSpanId;
        using (var parent = source.StartActivity("application work"))
        {
            parentSpanId = parent!.SpanId;
            await client.ListAgentsAsync();
            await Wait.UntilAsync(() => spans.Any(s => s.OperationName == "rpc agent.list" && s.Kind == ActivityKind.Server && s.TraceId == parent!.TraceId), "the gateway's span in the caller's trace");
        }

        var clientSpan = Assert.Single(spans, s => s.Source.Name == NexusClient.ActivitySourceName && s.OperationName == "rpc agent.list" && s.ParentSpanId == parentSpanId);
        var serverSpan = Assert.Single(spans, s => s.Source.Name == "Nexus.Gateway" && s.OperationName == "rpc agent.list" && s.TraceId == clientSpan.TraceId);
        Assert.Equal(ActivityKind.Client, clientSpan.Kind);
        Assert.Equal(clientSpan.SpanId, serverSpan.ParentSpanId);
    }

    [Fact]
    public async Task Calls_made_before_start_wait_for_the_connection_and_a_stopped_client_ends_its_notifications()
    {
        var user = User("gus");
        var client = new NexusClient(Stack.Options(user));
        var log = new NotificationLog(client);
        var early = client.ListAgentsAsync();
        Assert.False(early.IsCompleted);
        await Stack.StartAndRegisterAsync(client, user);
        Assert.Empty(await early.WaitAsync(GatewayHostTimeout));
        Assert.Equal(NexusConnectionState.Connected, client.State);

        await client.DisposeAsync();
        await log.Reading.WaitAsync(GatewayHostTimeout);
        Assert.Equal(NexusConnectionState.Disconnected, client.State);
        await Assert.ThrowsAsync<NexusConnectionException>(() => client.ListAgentsAsync());
        await log.DisposeAsync();
    }

    [Fact]
    public async Task A_refused_upgrade_fails_start_with_the_http_status()
    {
        await using var client = new NexusClient(new NexusClientOptions
        {
            Url = Stack.SocketUrl,
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(Identity.Tokens.Create("mallory", key: Identity.Tokens.OtherKey)),
        });

        var refused = await Assert.ThrowsAsync<NexusConnectionException>(() => client.StartAsync());
        Assert.Equal(401, refused.StatusCode);
        Assert.Equal(NexusConnectionState.Disconnected, client.State);
    }

    private static readonly TimeSpan GatewayHostTimeout = TimeSpan.FromSeconds(20);
}
