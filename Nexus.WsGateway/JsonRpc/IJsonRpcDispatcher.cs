using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The JSON-RPC 2.0 engine as the socket sees it: one WebSocket text message in,
/// the bytes of the reply out, or nothing when the message held only notifications.
/// </summary>
internal interface IJsonRpcDispatcher
{
    ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, CancellationToken cancellationToken);
}
