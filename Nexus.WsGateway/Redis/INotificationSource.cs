namespace Nexus.WsGateway.Redis;

/// <summary>One message of the event bus: the Redis channel it came on and its payload bytes, as received.</summary>
internal readonly record struct SourceNotification(string RedisChannel, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The event bus as the fan-out sees it (PROTOCOL.md section 1): one subscription, messages in the order Redis
/// delivered them. Behind our own interface so the fan-out can be tested without Redis.
/// </summary>
internal interface INotificationSource
{
    /// <summary>Messages received and not yet read (the subscriber backlog).</summary>
    long Backlog { get; }

    /// <summary>Subscribes; completes once the subscription is confirmed.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Read by exactly one consumer, sequentially, which keeps the order. Ends after <see cref="StopAsync"/>.</summary>
    IAsyncEnumerable<SourceNotification> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Unsubscribes; the sequence of <see cref="ReadAllAsync"/> then ends.</summary>
    Task StopAsync();
}
