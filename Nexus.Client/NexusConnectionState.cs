namespace Nexus.Client;

/// <summary>Where a <see cref="NexusClient"/>'s connection stands.</summary>
public enum NexusConnectionState
{
    /// <summary>Not started, stopped, or given up.</summary>
    Disconnected,

    /// <summary>The first connection is being opened.</summary>
    Connecting,

    /// <summary>Connected; calls go out at once.</summary>
    Connected,

    /// <summary>The connection was lost; the client waits (backoff) or tries again. Calls wait for the connection.</summary>
    Reconnecting,
}

/// <summary>Why the application must re-sync its state (<see cref="NexusClient.ResyncRequired"/>).</summary>
public enum NexusResyncReason
{
    /// <summary>
    /// The gateway no longer has the last notification the client received (older than the history window, or
    /// Redis lost its data): <c>notify.resume</c> answered <c>recovered: false</c>. Whatever was published meanwhile is lost to this client.
    /// </summary>
    HistoryLost,

    /// <summary>
    /// The client had received no durable notification yet, so there was nothing to resume from: notifications
    /// published while it was disconnected may have been missed.
    /// </summary>
    NoPosition,
}

/// <summary>Arguments of <see cref="NexusClient.Reconnected"/>.</summary>
/// <param name="Resumed">The client resumed from its last notification id and the gateway replayed what it had missed.</param>
/// <param name="Replayed">How many notifications the gateway replayed.</param>
public sealed record NexusReconnectedEventArgs(bool Resumed, int Replayed);

/// <summary>Arguments of <see cref="NexusClient.ResyncRequired"/>.</summary>
/// <param name="Reason">Why the missed notifications could not be replayed.</param>
/// <param name="LastId">The id the client tried to resume from; null for <see cref="NexusResyncReason.NoPosition"/>.</param>
public sealed record NexusResyncEventArgs(NexusResyncReason Reason, string? LastId);
