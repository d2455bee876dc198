using System.Net.WebSockets;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Connections;

internal sealed partial class GatewayConnection
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientDisconnected, LogLevel.Debug, "Connection {ConnectionId} ended by the transport ({Reason}).")]
        public static partial void ClientDisconnected(ILogger logger, string connectionId, string reason);

        [LoggerMessage(EventIds.SlowClientDisconnected, LogLevel.Warning, "Connection {ConnectionId} of user {UserId} is too slow: {QueuedBytes} bytes queued and a message of {MessageBytes} bytes would exceed Gateway:MaxQueuedBytes; closing with 1013.")]
        public static partial void SlowClientDisconnected(ILogger logger, string connectionId, string userId, long queuedBytes, int messageBytes);

        [LoggerMessage(EventIds.MessageTooLarge, LogLevel.Information, "Connection {ConnectionId} sent a message larger than {MaxMessageBytes} bytes; closing with 1009.")]
        public static partial void MessageTooLarge(ILogger logger, string connectionId, int maxMessageBytes);

        [LoggerMessage(EventIds.BinaryMessage, LogLevel.Information, "Connection {ConnectionId} sent a binary message; closing with 1003.")]
        public static partial void BinaryMessage(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.RateLimited, LogLevel.Debug, "Connection {ConnectionId} of user {UserId} is over Gateway:MaxRequestsPerSecond; {Refused} of the {Requests} requests of a message refused with -32004.")]
        public static partial void RateLimited(ILogger logger, string connectionId, string userId, int refused, int requests);

        [LoggerMessage(EventIds.RateLimitDisconnect, LogLevel.Warning, "Connection {ConnectionId} of user {UserId} stayed over Gateway:MaxRequestsPerSecond for 10 s; closing with 1008.")]
        public static partial void RateLimitDisconnect(ILogger logger, string connectionId, string userId);

        [LoggerMessage(EventIds.DispatchFailed, LogLevel.Error, "The JSON-RPC dispatcher failed on a message of connection {ConnectionId}; answered -32603.")]
        public static partial void DispatchFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(EventIds.FirstMessageArriving, LogLevel.Debug, "Connection {ConnectionId}: its first message is arriving; notifications stay held until it was handled.")]
        public static partial void FirstMessageArriving(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.CloseTimedOut, LogLevel.Information, "Connection {ConnectionId} did not finish its close handshake in time (state {State}); aborted.")]
        public static partial void CloseTimedOut(ILogger logger, string connectionId, WebSocketState state);
    }
}
