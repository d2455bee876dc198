using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Instances;

/// <summary>
/// Keeps <c>nexus:runner:&lt;id&gt;</c> alive while this instance runs, and each beat renews the leases of the sessions it
/// holds, takes on sessions that wait for a runner (decided, drained, or left by a runner that went silent), and applies
/// cancel requests stored by other replicas. The first beat happens at start-up, before the API serves.
/// </summary>
internal sealed partial class RunnerHeartbeat(
    RunnerInstance instance,
    SessionManager sessions,
    SessionPickup pickup,
    IConnectionMultiplexer redis,
    IOptions<RunnerOptions> options,
    TimeProvider timeProvider,
    ILogger<RunnerHeartbeat> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Log.Starting(logger, instance.Id);
        await BeatAsync();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(RunnerKeys.Heartbeat(instance.Id));
        }
        catch (Exception ex)
        {
            Log.BeatFailed(logger, ex.Message, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.HeartbeatInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await BeatAsync();
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(RunnerKeys.Heartbeat(instance.Id), timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), options.Value.HeartbeatTtl);
            await sessions.RenewLeasesAsync();
            await pickup.PickUpAsync();
            await sessions.ApplyStoredCancelRequestsAsync();
        }
        catch (Exception ex)
        {
            Log.BeatFailed(logger, ex.Message, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3400, LogLevel.Information, "Runner instance {InstanceId} starting")]
        public static partial void Starting(ILogger logger, string instanceId);

        [LoggerMessage(3401, LogLevel.Warning, "Runner heartbeat, lease renewal or pickup failed, retrying at the next beat: {Reason}")]
        public static partial void BeatFailed(ILogger logger, string reason, Exception exception);
    }
}
