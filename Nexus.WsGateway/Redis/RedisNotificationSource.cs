using System.Threading.Channels;
using Nexus.Contracts;
using Nexus.WsGateway.Telemetry;
using StackExchange.Redis;

namespace Nexus.WsGateway.Redis;

/// <summary>
/// The single <c>PSUBSCRIBE nexus:notify:*</c> of this process, read through a <see cref="ChannelMessageQueue"/>
/// by one sequential consumer, which is what keeps Redis's order (StackExchange.Redis docs/PubSubOrder.md).
/// The multiplexer re-subscribes by itself after a reconnect; the queue stays the same.
/// The queue is unbounded, so its length is published as the backlog gauge.
/// </summary>
internal sealed partial class RedisNotificationSource(
    IConnectionMultiplexer redis,
    GatewayMetrics metrics,
    ILogger<RedisNotificationSource> logger) : INotificationSource
{
    private ChannelMessageQueue? _queue;
    private int _stopped;

    public long Backlog => Volatile.Read(ref _queue) is { } queue && queue.TryGetCount(out var count) ? count : 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(Channels.RedisPattern)).WaitAsync(cancellationToken);
        Volatile.Write(ref _queue, queue);
        metrics.ObserveBacklog(() => Backlog);
        Log.Subscribed(logger, Channels.RedisPattern);
    }

    public async ValueTask<SourceNotification?> ReadAsync(CancellationToken cancellationToken)
    {
        var queue = Volatile.Read(ref _queue) ?? throw new InvalidOperationException("The notification source was not started.");
        try
        {
            return ToNotification(await queue.ReadAsync(cancellationToken));
        }
        catch (ChannelClosedException)
        {
            // Unsubscribed: the queue was completed.
            return null;
        }
    }

    public bool TryRead(out SourceNotification notification)
    {
        if (Volatile.Read(ref _queue) is { } queue && queue.TryRead(out var message))
        {
            notification = ToNotification(message);
            return true;
        }

        notification = default;
        return false;
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0 && Volatile.Read(ref _queue) is { } queue)
        {
            await queue.UnsubscribeAsync();
            Log.Unsubscribed(logger, Channels.RedisPattern);
        }
    }

    private static SourceNotification ToNotification(ChannelMessage message)
        => new(message.Channel.ToString(), (ReadOnlyMemory<byte>)message.Message);

    private static partial class Log
    {
        [LoggerMessage(EventIds.Subscribed, LogLevel.Information, "Subscribed to {Pattern}.")]
        public static partial void Subscribed(ILogger logger, string pattern);

        [LoggerMessage(EventIds.Unsubscribed, LogLevel.Information, "Unsubscribed from {Pattern}.")]
        public static partial void Unsubscribed(ILogger logger, string pattern);
    }
}
