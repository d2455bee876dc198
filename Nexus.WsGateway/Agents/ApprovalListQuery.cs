using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Nexus.Contracts.Runner;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary>
/// The params of <c>approval.list</c> (docs/protocol.md 4.2): <c>state</c> (<c>pending</c>, the default, or <c>decided</c>),
/// <c>sessionId</c> and <c>limit</c> (1..100), checked before anything is looked up (4.3: -32602 naming the param).
/// </summary>
internal sealed record ApprovalListQuery(string State, string? SessionId, int? Limit)
{
    public static bool TryParse(JsonElement obj, [NotNullWhen(true)] out ApprovalListQuery? query, [NotNullWhen(false)] out JsonRpcError? error)
    {
        query = null;
        if (!JsonRpcParams.TryGetOptionalString(obj, "state", out var state, out error))
        {
            return false;
        }

        state ??= ApprovalListStates.Pending;
        if (state is not (ApprovalListStates.Pending or ApprovalListStates.Decided))
        {
            error = JsonRpcError.InvalidParams("state", "state must be \"pending\" or \"decided\"");
            return false;
        }

        if (!JsonRpcParams.TryGetOptionalString(obj, "sessionId", out var sessionId, out error))
        {
            return false;
        }

        if (sessionId is not null && string.IsNullOrWhiteSpace(sessionId))
        {
            error = JsonRpcError.InvalidParams("sessionId", "sessionId must not be empty");
            return false;
        }

        int? limit = null;
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("limit", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) || n is < 1 or > ApprovalListStates.MaxLimit)
            {
                error = JsonRpcError.InvalidParams("limit", $"limit must be an integer from 1 to {ApprovalListStates.MaxLimit}");
                return false;
            }

            limit = n;
        }

        query = new ApprovalListQuery(state, sessionId, limit);
        return true;
    }

    /// <summary>The runner API's query string (<c>GET api/approvals?...</c>); empty for the defaults.</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        if (State != ApprovalListStates.Pending)
        {
            parts.Add("state=" + State);
        }

        if (SessionId is not null)
        {
            parts.Add("sessionId=" + Uri.EscapeDataString(SessionId));
        }

        if (Limit is { } limit)
        {
            parts.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
