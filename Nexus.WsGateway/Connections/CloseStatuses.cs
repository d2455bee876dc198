using System.Net.WebSockets;

namespace Nexus.WsGateway.Connections;

/// <summary>Close codes of docs/protocol.md section 3 that <see cref="WebSocketCloseStatus"/> has no name for.</summary>
internal static class CloseStatuses
{
    /// <summary>1013 Try Again Later (RFC 6455 registry): the client could not keep up.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;
}
