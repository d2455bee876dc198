using System.Diagnostics;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.Telemetry;
using StackExchange.Redis;

namespace Nexus.WsGateway.Redis;

/// <summary>
/// Makes a Redis outage visible: a Warning when a connection drops, Information when it is back, and an
/// <c>redis outage</c> span covering the time the subscription connection was down. StackExchange.Redis reconnects
/// and re-subscribes on its own; this only reports it (and <c>/health</c> reports Redis down meanwhile).
/// </summary>
internal sealed partial class RedisConnectionMonitor(
    IConnectionMultiplexer redis,
    FanoutCommands fanout,
    TimeProvider time,
    ILogger<RedisConnectionMonitor> logger) : IHostedService
{
    // After the subscription is back, the fan-out reads what it missed from the history. Asked again a little later too:
    // the client re-subscribes after the connection is restored, and what was published in between is in the history
    // but might not yet have revealed its gap through a newer message.
    private static readonly TimeSpan[] s_catchUpDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private ITimer[] _catchUpTimers = [];

    private readonly Lock _gate = new();
    private Activity? _outage;
    private long _outageStarted;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        lock (_gate)
        {
            _outage?.Stop();
            _outage = null;
            foreach (var timer in _catchUpTimers)
            {
                timer.Dispose();
            }

            _catchUpTimers = [];
        }

        return Task.CompletedTask;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionFailed(logger, e.ConnectionType, e.EndPoint?.ToString(), e.FailureType, e.Exception?.Message);
        if (e.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        lock (_gate)
        {
            if (_outage is not null)
            {
                return;
            }

            // A root span of its own, kept off Activity.Current so it cannot adopt unrelated work on this thread.
            var previous = Activity.Current;
            _outage = GatewayTelemetry.ActivitySource.StartActivity("redis outage", ActivityKind.Internal, parentContext: default);
            Activity.Current = previous;
            _outage?.SetTag("server.address", e.EndPoint?.ToString());
            _outage?.SetTag("error.type", e.FailureType.ToString());
            _outageStarted = time.GetTimestamp();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionRestored(logger, e.ConnectionType, e.EndPoint?.ToString());
        if (e.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        lock (_gate)
        {
            fanout.RequestCatchUp();
            foreach (var timer in _catchUpTimers)
            {
                timer.Dispose();
            }

            _catchUpTimers = [.. s_catchUpDelays.Select(delay =>
                time.CreateTimer(static state => ((FanoutCommands)state!).RequestCatchUp(), fanout, delay, Timeout.InfiniteTimeSpan))];

            if (_outage is { } outage)
            {
                outage.SetTag("nexus.outage.duration_ms", time.GetElapsedTime(_outageStarted).TotalMilliseconds);
                outage.AddEvent(new ActivityEvent("subscription restored"));
                outage.Stop();
                _outage = null;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RedisConnectionFailed, LogLevel.Warning, "Redis {ConnectionType} connection to {EndPoint} lost ({FailureType}): {Reason}. Notifications pause until it is restored.")]
        public static partial void ConnectionFailed(ILogger logger, ConnectionType connectionType, string? endPoint, ConnectionFailureType failureType, string? reason);

        [LoggerMessage(EventIds.RedisConnectionRestored, LogLevel.Information, "Redis {ConnectionType} connection to {EndPoint} restored.")]
        public static partial void ConnectionRestored(ILogger logger, ConnectionType connectionType, string? endPoint);
    }
}
