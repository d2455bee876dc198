using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Events;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary><c>approval.list {}</c> → <c>{ approvals }</c>: the pending requests the caller may decide.</summary>
internal sealed class ApprovalListMethod(RunnerClient runner, IOptions<ApprovalPolicyOptions> policy) : IJsonRpcMethod
{
    public string Name => "approval.list";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out _, out var error))
        {
            return JsonRpcResult.Failure(error);
        }

        if (policy.Value.RestrictApprovals && !client.IsApprover)
        {
            return JsonRpcResult.Failure(JsonRpcError.Forbidden("only approvers may list approvals"));
        }

        var reply = await runner.ListApprovalsAsync(cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } list }
            ? JsonRpcResult.Success(list, NexusJsonContext.Default.ApprovalListResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
