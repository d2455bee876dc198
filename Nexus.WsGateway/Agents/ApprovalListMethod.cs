using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// <c>approval.list {}</c> → <c>{ approvals }</c>: the pending requests the caller may see. Who sees what (restricted
/// approvals: a non-approver only their own sessions' requests) is the runner's rule, applied to the caller the
/// gateway names.
/// </summary>
internal sealed class ApprovalListMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "approval.list";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out _, out var error))
        {
            return JsonRpcResult.Failure(error);
        }

        var reply = await runner.ListApprovalsAsync(client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } list }
            ? JsonRpcResult.Success(list, NexusJsonContext.Default.ApprovalListResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
