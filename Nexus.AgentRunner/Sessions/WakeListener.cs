using Nexus.AgentRunner.Instances;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Listens for the bell: the Redis channel on which a decision (or a drain) says a session was queued, and this runner's
/// own rings. One subscription per runner, whatever the number of parked sessions (issue 13 item 1: no polling per
/// session). The queue stays the truth: a lost message is made up for by the next heartbeat's pickup.
/// </summary>
internal sealed partial class WakeListener(PickupBell bell, SessionPickup pickup, IConnectionMultiplexer redis, ILogger<WakeListener> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RunnerKeys.WakeChannel));
        channel.OnMessage(_ => bell.Ring());
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().UnsubscribeAsync(RedisChannel.Literal(RunnerKeys.WakeChannel));
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in bell.ListenAsync(stoppingToken))
            {
                try
                {
                    await pickup.PickUpAsync();
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Log.PickupFailed(logger, ex.Message, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3420, LogLevel.Warning, "Picking up queued sessions failed, retrying at the next ring or heartbeat: {Reason}")]
        public static partial void PickupFailed(ILogger logger, string reason, Exception exception);
    }
}
