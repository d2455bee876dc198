using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// The single consumer of the notification source: reads in order, fans out each message before the next.
/// Subscribes during start, so the gateway reports started only once it receives notifications.
/// A failure on one message is logged and the loop goes on (SignalR's RedisHubLifetimeManager does the same).
/// </summary>
internal sealed partial class FanoutWorker(INotificationSource source, NotificationFanout fanout, ILogger<FanoutWorker> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await source.StartAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notification in source.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await fanout.FanOutAsync(notification, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.FanoutFailed(logger, notification.RedisChannel, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.FanoutFailed, LogLevel.Error, "Fan-out of a notification on {RedisChannel} failed; continuing with the next.")]
        public static partial void FanoutFailed(ILogger logger, string redisChannel, Exception exception);
    }
}
