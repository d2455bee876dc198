namespace Nexus.WsGateway.Redis;

/// <summary>One message of the event bus: the Redis channel it came on and its payload bytes, as received.</summary>
internal readonly record struct SourceNotification(string RedisChannel, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The event bus as the fan-out sees it (docs/protocol.md section 1): one subscription, messages in the order Redis
/// delivered them. Behind our own interface so the fan-out can be tested without Redis.
/// </summary>
internal interface INotificationSource
{
    /// <summary>Messages received and not yet read (the subscriber backlog).</summary>
    long Backlog { get; }

    /// <summary>Subscribes; completes once the subscription is confirmed.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The next message, waiting for one; null once the source was stopped. Read by exactly one consumer,
    /// sequentially (with <see cref="TryRead"/>), which keeps the order.
    /// </summary>
    ValueTask<SourceNotification?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>The next message if one has already arrived: how the consumer sees a backlog.</summary>
    bool TryRead(out SourceNotification notification);

    /// <summary>Unsubscribes; <see cref="ReadAsync"/> then returns null.</summary>
    Task StopAsync();
}
