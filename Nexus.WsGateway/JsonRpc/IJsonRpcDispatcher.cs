using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The JSON-RPC 2.0 engine as the socket sees it: one WebSocket text message in,
/// the bytes of the reply out, or nothing when the message held only notifications.
/// </summary>
internal interface IJsonRpcDispatcher
{
    /// <param name="message">One WebSocket text message: a request or a batch.</param>
    /// <param name="client">The connection's identity and filter.</param>
    /// <param name="budget">The connection's rate limit; null runs every request (tests, tools).</param>
    /// <param name="cancellationToken">Cancelled when the connection goes away.</param>
    ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, IRequestBudget? budget, CancellationToken cancellationToken);
}
