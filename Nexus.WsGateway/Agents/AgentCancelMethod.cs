using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary><c>agent.cancel { sessionId }</c> → <c>{ sessionId, status: "cancelling" }</c>; owner only.</summary>
internal sealed class AgentCancelMethod(RunnerClient runner) : IJsonRpcMethod
{
    public const string Cancelling = "cancelling";

    public string Name => "agent.cancel";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetRequiredString(obj, "sessionId", out var sessionId, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        var reply = await runner.CancelSessionAsync(sessionId, client, cancellationToken);
        return reply.Outcome == RunnerOutcome.Ok
            ? JsonRpcResult.Success(new CancelSessionResponse(sessionId, Cancelling), NexusJsonContext.Default.CancelSessionResponse)
            : JsonRpcResult.Failure(reply.ToError($"no session '{sessionId}'", "only the session's owner may cancel it"));
    }
}
