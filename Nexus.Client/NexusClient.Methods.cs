using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Nexus.Client;

// The methods of docs/protocol.md section 4.2. Each waits for the connection (while reconnecting), fails with
// NexusRpcException when the gateway answers an error, NexusConnectionException when the connection is lost before the
// answer, TimeoutException after NexusClientOptions.CallTimeout, and OperationCanceledException when cancelled.
public sealed partial class NexusClient
{
    /// <summary>
    /// <c>notify.subscribe</c>: receive only <paramref name="channels"/> (added to the list when there is one already);
    /// the names leave the exclude list. A name ending in <c>*</c> matches by prefix.
    /// </summary>
    /// <param name="channels">One or more channel names or prefixes, e.g. <c>approval</c>, <c>agent:*</c>.</param>
    /// <param name="cancellationToken">Cancels the call (the gateway may still apply it).</param>
    /// <returns>The filter now in force; also kept in <see cref="Filter"/> and set again after every reconnect.</returns>
    public async Task<NexusFilter> SubscribeAsync(IEnumerable<string> channels, CancellationToken cancellationToken = default)
        => await ChangeFilterAsync("notify.subscribe", channels, cancellationToken);

    /// <summary><c>notify.unsubscribe</c>: never receive <paramref name="channels"/>; the names leave the include list.</summary>
    /// <param name="channels">One or more channel names or prefixes.</param>
    /// <param name="cancellationToken">Cancels the call (the gateway may still apply it).</param>
    /// <returns>The filter now in force.</returns>
    public async Task<NexusFilter> UnsubscribeAsync(IEnumerable<string> channels, CancellationToken cancellationToken = default)
        => await ChangeFilterAsync("notify.unsubscribe", channels, cancellationToken);

    /// <summary>
    /// <c>notify.resume</c>: replays, before its result, every durable notification after <paramref name="since"/> that
    /// this connection is entitled to and its filter allows. The client already does this after every reconnect; call
    /// it only to replay from an id kept elsewhere (e.g. across a restart of the application).
    /// </summary>
    /// <param name="since">A notification id (<see cref="Notification.Id"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>Recovered</c> false when the id is no longer in the history: re-sync instead.</returns>
    public Task<ResumeResult> ResumeAsync(string since, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(since);
        return CallAsync("notify.resume", w => w.WriteString("since", since), ClientJsonContext.Default.ResumeResult, cancellationToken);
    }

    /// <summary><c>agent.run</c>: starts an agent session owned by the caller.</summary>
    /// <param name="task">What the agent should do.</param>
    /// <param name="idempotencyKey">
    /// 1..100 characters: the same key from the same user within 24 hours returns the first call's session and starts
    /// nothing, so a call whose answer was lost to a reconnect can be repeated safely.
    /// </param>
    /// <param name="cancellationToken">Cancels the call (the session may still start).</param>
    /// <returns>The session id; its events follow on <c>global</c> and <c>agent:&lt;id&gt;</c>.</returns>
    public async Task<string> RunAgentAsync(string task, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var result = await CallAsync(
            "agent.run",
            w =>
            {
                w.WriteString("task", task);
                if (idempotencyKey is not null)
                {
                    w.WriteString("idempotencyKey", idempotencyKey);
                }
            },
            ClientJsonContext.Default.RunResult,
            cancellationToken);
        return result.SessionId;
    }

    /// <summary><c>agent.cancel</c>: asks the caller's session to stop (owner only, else -32001).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Status <c>cancelling</c>; <c>agent.completed</c> with reason <c>cancelled</c> follows.</returns>
    public Task<AgentCancelResult> CancelAgentAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return CallAsync("agent.cancel", w => w.WriteString("sessionId", sessionId), ClientJsonContext.Default.AgentCancelResult, cancellationToken);
    }

    /// <summary><c>agent.list</c>: the caller's sessions of the last 24 hours, newest first, at most 100.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<AgentSession>> ListAgentsAsync(CancellationToken cancellationToken = default)
        => (await CallAsync("agent.list", null, ClientJsonContext.Default.SessionsResult, cancellationToken)).Sessions;

    /// <summary><c>approval.list</c>: approval requests the caller may see, newest first.</summary>
    /// <param name="state"><see cref="ApprovalListState.Pending"/> (the gateway's default) or the audit records of <see cref="ApprovalListState.Decided"/> ones.</param>
    /// <param name="sessionId">Only the requests of this session.</param>
    /// <param name="limit">At most this many, 1..100.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ApprovalRecord>> ListApprovalsAsync(
        ApprovalListState? state = null, string? sessionId = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync(
            "approval.list",
            w =>
            {
                if (state is { } s)
                {
                    w.WriteString("state", s == ApprovalListState.Decided ? "decided" : "pending");
                }

                if (sessionId is not null)
                {
                    w.WriteString("sessionId", sessionId);
                }

                if (limit is { } l)
                {
                    w.WriteNumber("limit", l);
                }
            },
            ClientJsonContext.Default.ApprovalsResult,
            cancellationToken);
        return result.Approvals;
    }

    /// <summary>
    /// <c>approval.respond</c>: decides an approval request. The first valid decision wins; a later one fails with
    /// <see cref="NexusErrorCodes.Conflict"/> and the final state in <see cref="NexusRpcException.Data"/>.
    /// </summary>
    /// <param name="requestId">The request (<see cref="ApprovalRequest.RequestId"/>).</param>
    /// <param name="decision">Approve or deny.</param>
    /// <param name="reason">Why, shown to everyone in <c>approval_resolved</c>.</param>
    /// <param name="cancellationToken">Cancels the call (the decision may still be taken).</param>
    public Task<ApprovalResponse> RespondToApprovalAsync(
        string requestId, ApprovalDecision decision, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        return CallAsync(
            "approval.respond",
            w =>
            {
                w.WriteString("requestId", requestId);
                w.WriteString("decision", decision == ApprovalDecision.Approve ? "approve" : "deny");
                if (reason is not null)
                {
                    w.WriteString("reason", reason);
                }
            },
            ClientJsonContext.Default.ApprovalResponse,
            cancellationToken);
    }

    /// <summary>Calls any method with raw JSON params: for methods newer than this client.</summary>
    /// <param name="method">The method name.</param>
    /// <param name="parameters">A JSON object, or null for <c>{}</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The raw <c>result</c>.</returns>
    public Task<JsonElement> InvokeAsync(string method, JsonElement? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (parameters is { ValueKind: not JsonValueKind.Object })
        {
            throw new ArgumentException("The params must be a JSON object.", nameof(parameters));
        }

        Action<Utf8JsonWriter>? write = parameters is { } p
            ? w =>
            {
                foreach (var property in p.EnumerateObject())
                {
                    property.WriteTo(w);
                }
            }
            : null;
        return CallAsync(method, write, ClientJsonContext.Default.JsonElement, cancellationToken);
    }

    private async Task<NexusFilter> ChangeFilterAsync(string method, IEnumerable<string> channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var list = channels.ToList();
        var result = await CallAsync(method, JsonRpcMessages.Channels(list), ClientJsonContext.Default.FilterResult, cancellationToken);
        lock (_gate)
        {
            _filter = result.Filter;
        }

        return result.Filter;
    }

    private async Task<T> CallAsync<T>(string method, Action<Utf8JsonWriter>? writeParams, JsonTypeInfo<T> resultType, CancellationToken cancellationToken)
    {
        using var activity = s_activitySource.StartActivity("rpc " + method, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "jsonrpc");
            activity.SetTag("rpc.method", method);
        }

        // The caller's span (or ours) continues into the gateway: W3C trace context on the request.
        var traceParent = (activity ?? Activity.Current) is { IdFormat: ActivityIdFormat.W3C } span ? span.Id : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            var connection = await WaitForConnectionAsync(timeout.Token);
            var id = Interlocked.Increment(ref _nextId);
            var reply = connection.Expect(id, method);
            try
            {
                await connection.SendAsync(JsonRpcMessages.Single(new(id, method, writeParams, traceParent)), timeout.Token);
                var result = await reply.WaitAsync(timeout.Token);
                return result.Deserialize(resultType) ?? throw new JsonException($"{method} returned null.");
            }
            finally
            {
                connection.Forget(id);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            throw new TimeoutException($"No answer to {method} within {_options.CallTimeout.TotalSeconds} s (state: {State}).");
        }
        catch (NexusRpcException ex)
        {
            activity?.SetTag("rpc.jsonrpc.error_code", ex.Code);
            activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorMessage);
            throw;
        }
    }
}
