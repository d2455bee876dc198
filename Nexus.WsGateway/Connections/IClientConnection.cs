using System.Net.WebSockets;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.Connections;

/// <summary>One client connection as the fan-out and the shutdown see it.</summary>
internal interface IClientConnection
{
    ClientContext Client { get; }

    /// <summary>Task that completes when the connection has ended.</summary>
    Task Completion { get; }

    /// <summary>
    /// Hands a message to the connection's writer. Never blocks, never throws, never awaits the client:
    /// a client that cannot take it is closed as slow (1013). Returns true when the message was taken.
    /// </summary>
    bool Send(ReadOnlyMemory<byte> message) => Send(message, batch: null);

    /// <summary>
    /// As <see cref="Send(ReadOnlyMemory{byte})"/>; with a <paramref name="batch"/>, the write may be held and flushed
    /// when the fan-out completes the batch.
    /// </summary>
    bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch);

    /// <summary>
    /// Hands a notification to the connection, from the fan-out. <paramref name="ordinal"/> orders durable notifications
    /// (0 for the others): a connection that is resuming holds notifications until its replay is sent, and never takes
    /// one it already replayed (docs/protocol.md section 4.2, "Resume").
    /// </summary>
    bool SendNotification(ReadOnlyMemory<byte> frame, long ordinal, string channel, WriteBatch? batch) => Send(frame, batch);

    /// <summary>Starts a close handshake; the socket is aborted if it has not finished within <paramref name="timeout"/>.</summary>
    void Close(WebSocketCloseStatus status, string description, TimeSpan timeout);

    void Abort();
}
