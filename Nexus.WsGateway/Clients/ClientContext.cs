using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Clients;

/// <summary>
/// Who a connection is and what it asked to receive: the state the JSON-RPC methods read and change.
/// The socket, its queue and its loops live in the connection type; this is only identity and filter.
/// </summary>
internal sealed class ClientContext(string connectionId, string userId, bool isApprover)
{
    private volatile ClientFilter _filter = ClientFilter.All;

    public string ConnectionId { get; } = connectionId;

    /// <summary>The authenticated user (docs/protocol.md section 5).</summary>
    public string UserId { get; } = userId;

    /// <summary>True when the user may decide approvals (claim <c>nexus:approver</c> or dev <c>&amp;approver=true</c>).</summary>
    public bool IsApprover { get; } = isApprover;

    /// <summary>The connection this context belongs to, for the methods that act on it (notify.resume).</summary>
    public Connections.GatewayConnection? Connection { get; set; }

    /// <summary>
    /// Immutable snapshot, swapped whole: the fan-out thread reads it without a lock
    /// while the receive loop replaces it on notify.subscribe/unsubscribe.
    /// </summary>
    public ClientFilter Filter
    {
        get => _filter;
        set => _filter = value;
    }
}
