using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// <c>agent.run { task, idempotencyKey? }</c> → <c>{ sessionId }</c>; the caller's user owns the session. The same
/// <c>idempotencyKey</c> (1..100 characters) from the same user within 24 hours returns the first call's session and
/// starts nothing (docs/protocol.md 4.2): a client that timed out can safely ask again.
/// </summary>
internal sealed class AgentRunMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "agent.run";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetRequiredString(obj, "task", out var task, out error)
            || !JsonRpcParams.TryGetOptionalString(obj, "idempotencyKey", out var idempotencyKey, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        if (idempotencyKey is not null && (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > IdempotencyKeys.MaxLength))
        {
            return JsonRpcResult.Failure(JsonRpcError.InvalidParams("idempotencyKey", $"idempotencyKey must be a non-blank string of 1 to {IdempotencyKeys.MaxLength} characters"));
        }

        // Without the client's key, one is made per call, so the retries of the resilience pipeline never start a second
        // session (issue 3). The runner scopes keys by user, so one user's key never finds another's session.
        idempotencyKey ??= Guid.NewGuid().ToString("N");
        var reply = await runner.CreateSessionAsync(new CreateSessionRequest(task), idempotencyKey, client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } created }
            ? JsonRpcResult.Success(created, NexusJsonContext.Default.CreateSessionResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
