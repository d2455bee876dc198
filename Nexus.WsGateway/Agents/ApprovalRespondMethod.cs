using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// <c>approval.respond { requestId, decision, reason? }</c> → <c>{ requestId, decision: "approved"|"denied", status: "resolved" }</c>.
/// The first valid decision wins in the runner; later ones get -32003 with the final state. The runner also decides
/// who may answer (restricted approvals, self-approval: -32001), for the socket and its HTTP API alike.
/// </summary>
internal sealed class ApprovalRespondMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "approval.respond";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        // All params first: a bad decision for an unknown request is -32602, not -32002 (docs/protocol.md 4.3).
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetRequiredString(obj, "requestId", out var requestId, out error)
            || !JsonRpcParams.TryGetRequiredString(obj, "decision", out var decision, out error)
            || !JsonRpcParams.TryGetOptionalString(obj, "reason", out var reason, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        if (decision is not ("approve" or "deny"))
        {
            return JsonRpcResult.Failure(JsonRpcError.InvalidParams("decision", "decision must be \"approve\" or \"deny\""));
        }

        var reply = await runner.DecideAsync(requestId, new DecisionRequest(decision, reason), client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } decided }
            ? JsonRpcResult.Success(decided, NexusJsonContext.Default.DecisionResponse)
            : JsonRpcResult.Failure(reply.ToError($"no approval request '{requestId}'", "not allowed to decide this approval"));
    }
}
