using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Hosting;

/// <summary>
/// Graceful shutdown (issue 2 item 5): stop accepting upgrades (503), unsubscribe from Redis, close every socket
/// with 1001 within <c>Gateway:ShutdownTimeout</c>, then abort the rest.
/// It runs in <see cref="IHostedLifecycleService.StoppingAsync"/>, before any hosted service stops: Kestrel is
/// registered last and therefore stops first, and would otherwise wait for the sockets and then abort them.
/// </summary>
internal sealed partial class GatewayShutdown(
    GatewayState state,
    INotificationSource source,
    ConnectionRegistry registry,
    TimeProvider time,
    IOptions<GatewayOptions> options,
    ILogger<GatewayShutdown> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.ShutdownTimeout;
        state.StopAccepting();
        var connections = registry.ToArray();
        Log.ShutdownStarted(logger, connections.Length);

        try
        {
            await source.StopAsync().WaitAsync(timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or StackExchange.Redis.RedisException or OperationCanceledException)
        {
            Log.UnsubscribeFailed(logger, ex.Message);
        }

        foreach (var connection in connections)
        {
            connection.Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", timeout);
        }

        var closed = Task.WhenAll(connections.Select(c => c.Completion));
        try
        {
            // The connections abort themselves at the timeout; the margin covers that last step.
            await closed.WaitAsync(timeout + TimeSpan.FromSeconds(1), time, cancellationToken);
            Log.ShutdownCompleted(logger, connections.Length);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            var aborted = 0;
            foreach (var connection in connections)
            {
                if (!connection.Completion.IsCompleted)
                {
                    connection.Abort();
                    aborted++;
                }
            }

            Log.ShutdownAborted(logger, aborted);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ShutdownStarted, LogLevel.Information, "Shutting down: refusing new connections, closing {Count} sockets with 1001.")]
        public static partial void ShutdownStarted(ILogger logger, int count);

        [LoggerMessage(EventIds.ShutdownCompleted, LogLevel.Information, "Shutdown: all {Count} sockets closed.")]
        public static partial void ShutdownCompleted(ILogger logger, int count);

        [LoggerMessage(EventIds.ShutdownAborted, LogLevel.Warning, "Shutdown: {Count} sockets did not close in time and were aborted.")]
        public static partial void ShutdownAborted(ILogger logger, int count);

        [LoggerMessage(EventIds.UnsubscribeFailed, LogLevel.Warning, "Shutdown: unsubscribing from Redis failed ({Reason}); continuing.")]
        public static partial void UnsubscribeFailed(ILogger logger, string reason);
    }
}
