using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary><c>agent.run { task }</c> → <c>{ sessionId }</c>; the caller's user owns the session.</summary>
internal sealed class AgentRunMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "agent.run";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetRequiredString(obj, "task", out var task, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        // Made once per call, so the retries of the resilience pipeline never start a second session (issue 3).
        var idempotencyKey = Guid.NewGuid().ToString("N");
        var reply = await runner.CreateSessionAsync(new CreateSessionRequest(task), idempotencyKey, client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } created }
            ? JsonRpcResult.Success(created, NexusJsonContext.Default.CreateSessionResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
