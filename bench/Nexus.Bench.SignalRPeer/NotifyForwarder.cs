using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Nexus.Bench.SignalRPeer;

/// <summary>
/// Subscribes to <c>nexus:notify:global</c> and sends each payload to <c>Clients.All</c>; with the
/// Redis backplane that goes through Redis once more and every server writes it to its own clients.
/// </summary>
internal sealed class NotifyForwarder(
    IConnectionMultiplexer redis,
    IHubContext<NotifyHub> hub,
    ILogger<NotifyForwarder> logger) : IHostedService
{
    private const string Channel = "nexus:notify:global";
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
        // The async handler runs messages one at a time, so publish order is kept.
        _queue.OnMessage(async message =>
        {
            try
            {
                using var document = JsonDocument.Parse((byte[])message.Message!);
                var root = document.RootElement;
                var notification = new Notification(
                    "global",
                    root.GetProperty("event").GetString() ?? "",
                    root.TryGetProperty("data", out var data) ? data.Clone() : default,
                    root.TryGetProperty("timestamp", out var timestamp) ? timestamp.Clone() : default);
                await hub.Clients.All.SendAsync("notify", notification);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Dropped a payload that is not a notification");
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            await _queue.UnsubscribeAsync();
        }
    }
}
