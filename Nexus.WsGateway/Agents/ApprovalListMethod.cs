using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// <c>approval.list { state?, sessionId?, limit? }</c> → <c>{ approvals }</c>, newest first: the pending requests, or with
/// <c>state: "decided"</c> the audit records, the caller may see. Who sees what (restricted approvals: a non-approver only
/// their own sessions' requests and records) is the runner's rule, applied to the caller the gateway names.
/// </summary>
internal sealed class ApprovalListMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "approval.list";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !ApprovalListQuery.TryParse(obj, out var query, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        if (query.State == ApprovalListStates.Decided)
        {
            var audit = await runner.ListAuditAsync(query, client, cancellationToken);
            return audit is { Outcome: RunnerOutcome.Ok, Value: { } records }
                ? JsonRpcResult.Success(records, RunnerJsonContext.Default.ApprovalAuditListResponse)
                : JsonRpcResult.Failure(audit.ToError("not found", "forbidden"));
        }

        var reply = await runner.ListApprovalsAsync(query, client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } list }
            ? JsonRpcResult.Success(list, NexusJsonContext.Default.ApprovalListResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
