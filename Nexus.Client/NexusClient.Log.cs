using Microsoft.Extensions.Logging;

namespace Nexus.Client;

public sealed partial class NexusClient
{
    /// <summary>The client's log messages (STYLE.md habit 5): connection events at Information, trouble at Warning.</summary>
    internal static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connected to {Url}")]
        public static partial void Connected(ILogger logger, Uri url);

        [LoggerMessage(2, LogLevel.Warning, "Connection lost ({Reason}); reconnecting")]
        public static partial void ConnectionLost(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Reconnect attempt {Attempt} failed: {Reason}")]
        public static partial void ReconnectFailed(ILogger logger, int attempt, string reason);

        [LoggerMessage(4, LogLevel.Information, "Reconnected; resumed: {Resumed}, replayed: {Replayed}")]
        public static partial void Reconnected(ILogger logger, bool resumed, int replayed);

        [LoggerMessage(5, LogLevel.Warning, "Notifications missed while disconnected could not be replayed ({Reason}, last id {LastId}): the application must re-sync")]
        public static partial void ResyncRequired(ILogger logger, NexusResyncReason reason, string? lastId);

        [LoggerMessage(6, LogLevel.Error, "Gave up reconnecting: {Reason}")]
        public static partial void GaveUp(ILogger logger, string reason);

        [LoggerMessage(7, LogLevel.Warning, "The gateway refused {Method} while the filter was set again: {Code} {Message}")]
        public static partial void RebuildRefused(ILogger logger, string method, int code, string message);

        [LoggerMessage(8, LogLevel.Warning, "Ignored a message from the gateway: {Reason}")]
        public static partial void InvalidMessage(ILogger logger, string reason);

        [LoggerMessage(9, LogLevel.Warning, "The gateway sent an error no pending call was waiting for: {Error}")]
        public static partial void OrphanError(ILogger logger, string error);

        [LoggerMessage(10, LogLevel.Error, "A {Event} handler failed")]
        public static partial void HandlerFailed(ILogger logger, string @event, Exception exception);
    }
}
