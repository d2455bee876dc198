using Nexus.Contracts.Runner;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>A runner answer: the body on success, the final approval state on 409, the param named by a 400, the limit of a 429.</summary>
internal sealed record RunnerReply<T>(
    RunnerOutcome Outcome,
    T? Value = null,
    ApprovalConflict? Conflict = null,
    string? Param = null,
    string? Detail = null,
    string? Limit = null,
    int? Max = null)
    where T : class
{
    /// <summary>The JSON-RPC error for any outcome but <see cref="RunnerOutcome.Ok"/> (docs/protocol.md 4.3).</summary>
    public JsonRpcError ToError(string notFound, string forbidden) => Outcome switch
    {
        RunnerOutcome.NotFound => JsonRpcError.NotFound(notFound),
        RunnerOutcome.Forbidden => JsonRpcError.Forbidden(forbidden),
        RunnerOutcome.Conflict when Conflict is { } c => JsonRpcError.Conflict(c.RequestId, c.Status, c.By),
        RunnerOutcome.BadRequest => JsonRpcError.InvalidParams(Param ?? "params", Detail ?? "rejected by the agent runner"),
        RunnerOutcome.Limited => JsonRpcError.LimitReached(Limit, Max),
        RunnerOutcome.Unavailable => JsonRpcError.Unavailable,
        _ => JsonRpcError.InternalError,
    };
}
