using Nexus.WsGateway.Connections;
using Nexus.WsGateway.History;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// The single consumer of the notification source: reads in order, fans out each message before the next.
/// Subscribes during start, so the gateway reports started only once it receives notifications.
/// A failure on one message is logged and the loop goes on (SignalR's RedisHubLifetimeManager does the same).
/// </summary>
/// <remarks>
/// When messages are already waiting (a backlog), they are fanned out as one pass with a <see cref="WriteBatch"/>:
/// each socket gets all its frames of the pass in one flush instead of one flush per message (issue 5). With no
/// backlog, a message is written and flushed at once, so batching adds no latency at moderate rates.
/// </remarks>
internal sealed partial class FanoutWorker(
    INotificationSource source,
    NotificationFanout fanout,
    FanoutCommands commands,
    NotificationHistory history,
    GatewayMetrics metrics,
    ILogger<FanoutWorker> logger) : BackgroundService
{
    private readonly WriteBatch _batch = new();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await source.StartAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = stoppingToken.Register(static state => ((FanoutCommands)state!).Stop(), commands);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Between two messages: no delivery is under way (FanoutCommands).
                commands.ResetWake();
                if (commands.HasPending)
                {
                    await RunCommandsAsync(stoppingToken);
                }

                SourceNotification? read;
                try
                {
                    read = await source.ReadAsync(commands.WakeToken);
                }
                catch (OperationCanceledException)
                {
                    continue; // a command arrived, or we are stopping (the loop's condition)
                }

                if (read is not { } notification)
                {
                    return;
                }

                if (!source.TryRead(out var next))
                {
                    await FanOutAsync(notification, batch: null, stoppingToken);
                    continue;
                }

                try
                {
                    await FanOutAsync(notification, _batch, stoppingToken);
                    do
                    {
                        await FanOutAsync(next, _batch, stoppingToken);
                    }
                    while (!_batch.IsFull && source.TryRead(out next));
                }
                finally
                {
                    metrics.NotificationsBatched(_batch.Messages);
                    _batch.Complete();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RunCommandsAsync(CancellationToken stoppingToken)
    {
        while (commands.TryDequeue(out var command))
        {
            if (command.Connection is { } connection)
            {
                connection.BeginHold();
                command.Done!.TrySetResult(history.TailOrdinal);
                continue;
            }

            try
            {
                await fanout.CatchUpAsync(before: null, batch: null, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.FanoutFailed(logger, "(catch-up)", ex);
            }
        }
    }

    private async ValueTask FanOutAsync(SourceNotification notification, WriteBatch? batch, CancellationToken stoppingToken)
    {
        try
        {
            await fanout.FanOutAsync(notification, batch, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.FanoutFailed(logger, notification.RedisChannel, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.FanoutFailed, LogLevel.Error, "Fan-out of a notification on {RedisChannel} failed; continuing with the next.")]
        public static partial void FanoutFailed(ILogger logger, string redisChannel, Exception exception);
    }
}
