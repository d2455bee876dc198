using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Events;
using Nexus.Contracts.Identity;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Polly;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// Typed client of the AgentRunner API (routes and status codes in <c>Nexus.Contracts/Runner/RunnerApi.cs</c>).
/// The HttpClient carries service discovery and the standard resilience pipeline; this class bounds each call
/// by <see cref="RunnerClientOptions.RunnerTimeout"/> and turns every failure into a <see cref="RunnerOutcome"/>.
/// Every call carries the gateway's service credential and the caller the socket authenticated (docs/protocol.md
/// section 5.1): the runner decides each rule for that user.
/// </summary>
internal sealed partial class RunnerClient(
    HttpClient http,
    IOptions<RunnerClientOptions> options,
    IOptions<RunnerCredentialOptions> credential,
    TimeProvider timeProvider,
    ILogger<RunnerClient> logger)
{
    private readonly string? _authorization = credential.Value.ServiceKey is { Length: > 0 } key ? ServiceCredential.Scheme + " " + key : null;

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static NexusJsonContext Json => NexusJsonContext.Default;

    /// <summary>POST api/sessions. <c>idempotencyKey</c> is the client's, or one per JSON-RPC call: the resilience pipeline
    /// resends the same request on retry, so the runner sees the same key and returns the session it already created.</summary>
    public Task<RunnerReply<CreateSessionResponse>> CreateSessionAsync(CreateSessionRequest body, string idempotencyKey, ClientContext caller, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/sessions")
        {
            Content = JsonContent.Create(body, Json.CreateSessionRequest),
        };
        request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        return SendAsync(request, caller, Json.CreateSessionResponse, cancellationToken);
    }

    public Task<RunnerReply<CancelSessionResponse>> CancelSessionAsync(string sessionId, ClientContext caller, CancellationToken cancellationToken) =>
        SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"api/sessions/{Uri.EscapeDataString(sessionId)}/cancel"),
            caller,
            Json.CancelSessionResponse,
            cancellationToken);

    public Task<RunnerReply<SessionListResponse>> ListSessionsAsync(ClientContext caller, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/sessions"), caller, Json.SessionListResponse, cancellationToken);

    /// <summary>GET api/approvals: pending requests (<paramref name="query"/>'s state is <c>pending</c>).</summary>
    public Task<RunnerReply<ApprovalListResponse>> ListApprovalsAsync(ApprovalListQuery query, ClientContext caller, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/approvals" + query.ToQueryString()), caller, Json.ApprovalListResponse, cancellationToken);

    /// <summary>GET api/approvals?state=decided: audit records.</summary>
    public Task<RunnerReply<ApprovalAuditListResponse>> ListAuditAsync(ApprovalListQuery query, ClientContext caller, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/approvals" + query.ToQueryString()), caller, RunnerJsonContext.Default.ApprovalAuditListResponse, cancellationToken);

    public Task<RunnerReply<DecisionResponse>> DecideAsync(string requestId, DecisionRequest body, ClientContext caller, CancellationToken cancellationToken) =>
        SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"api/approvals/{Uri.EscapeDataString(requestId)}/decision")
            {
                Content = JsonContent.Create(body, Json.DecisionRequest),
            },
            caller,
            Json.DecisionResponse,
            cancellationToken);

    private async Task<RunnerReply<T>> SendAsync<T>(HttpRequestMessage request, ClientContext caller, JsonTypeInfo<T> bodyType, CancellationToken cancellationToken)
        where T : class
    {
        using var _ = request;
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        request.Headers.Add(ServiceCredential.UserHeader, Uri.EscapeDataString(caller.UserId));
        request.Headers.Add(ServiceCredential.ApproverHeader, caller.IsApprover ? "true" : "false");
        var route = $"{request.Method} {request.RequestUri?.OriginalString}";
        using var timeout = new CancellationTokenSource(options.Value.RunnerTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await http.SendAsync(request, linked.Token);
            return await ReadAsync(response, bodyType, route, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(route, $"no answer within {options.Value.RunnerTimeout}");
            return new(RunnerOutcome.Unavailable);
        }
        catch (HttpRequestException ex)
        {
            LogUnavailable(route, ex.Message);
            return new(RunnerOutcome.Unavailable);
        }
        catch (ExecutionRejectedException ex)
        {
            // Polly's own timeout or an open circuit: the runner is not answering.
            LogUnavailable(route, ex.Message);
            return new(RunnerOutcome.Unavailable);
        }
    }

    private async Task<RunnerReply<T>> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> bodyType, string route, CancellationToken cancellationToken)
        where T : class
    {
        var status = response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadFromJsonAsync(bodyType, cancellationToken);
            if (body is null)
            {
                LogUnexpectedStatus(route, (int)status, "empty body");
                return new(RunnerOutcome.Failed);
            }

            return new(RunnerOutcome.Ok, body);
        }

        switch (status)
        {
            case HttpStatusCode.NotFound:
                return new(RunnerOutcome.NotFound);
            case HttpStatusCode.Forbidden:
                return new(RunnerOutcome.Forbidden);
            case HttpStatusCode.Conflict:
                var conflict = await response.Content.ReadFromJsonAsync(Json.ApprovalConflict, cancellationToken);
                if (conflict is null)
                {
                    LogUnexpectedStatus(route, (int)status, "409 without the final state");
                    return new(RunnerOutcome.Failed);
                }

                return new(RunnerOutcome.Conflict, Conflict: conflict);
            case HttpStatusCode.TooManyRequests:
                // A deliberate refusal (quota or capacity), answered as such; never retried (JsonRpcServiceCollectionExtensions).
                var (limit, max) = await ReadLimitAsync(response, cancellationToken);
                return new(RunnerOutcome.Limited, Limit: limit, Max: max);
            case HttpStatusCode.Unauthorized:
                LogCredentialRefused(route);
                return new(RunnerOutcome.Failed);
            case HttpStatusCode.BadRequest:
                var (param, detail) = await ReadProblemAsync(response, cancellationToken);
                LogUnexpectedStatus(route, (int)status, detail ?? "bad request");
                return new(RunnerOutcome.BadRequest, Param: param, Detail: detail);
            case HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError:
                // What is left after the resilience pipeline's retries.
                LogUnavailable(route, $"HTTP {(int)status}");
                return new(RunnerOutcome.Unavailable);
            default:
                LogUnexpectedStatus(route, (int)status, response.ReasonPhrase ?? "");
                return new(RunnerOutcome.Failed);
        }
    }

    /// <summary>Reads <c>param</c> and <c>detail</c> of an RFC 7807 problem; anything unreadable gives nulls.</summary>
    private static async Task<(string? Param, string? Detail)> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var problem = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            var root = problem.RootElement;
            return (StringOrNull(root, "param"), StringOrNull(root, "detail") ?? StringOrNull(root, "title"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>Reads <c>limit</c> and <c>max</c> of a 429 problem; anything unreadable gives what could be read.</summary>
    private static async Task<(string? Limit, int? Max)> ReadLimitAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var problem = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            var root = problem.RootElement;
            var max = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("max", out var m) && m.TryGetInt32(out var n) ? n : (int?)null;
            return (StringOrNull(root, "limit"), max);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? StringOrNull(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
