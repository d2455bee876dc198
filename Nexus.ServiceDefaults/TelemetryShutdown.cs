using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Bounds the last telemetry flush. Left to disposal, each OpenTelemetry provider waits up to 5 s for its exporter,
/// one after the other. Under Aspire the exporters retry (<c>OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory</c>), so an
/// unreachable or slow OTLP endpoint (no dashboard under Aspire.Hosting.Testing, a dashboard going away) held the
/// process 10-15 s after the host had stopped, past the orchestrator's stop timeout. Shutting the providers down
/// here, together and with one short budget, makes their disposal a no-op; what is not exported by then is dropped.
/// </summary>
internal sealed partial class TelemetryShutdown(IServiceProvider services, ILogger<TelemetryShutdown> logger) : IHostedLifecycleService
{
    /// <summary>A reachable collector takes milliseconds; the rest of the stop budget belongs to the services.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(1);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        var timeout = (int)FlushTimeout.TotalMilliseconds;
        var tracer = services.GetService<TracerProvider>();
        var meter = services.GetService<MeterProvider>();
        var logs = services.GetService<LoggerProvider>();

        // Shutdown blocks its caller until the exporter is done or the timeout passes: run the three side by side.
        var flushed = await Task.WhenAll(
            Task.Run(() => tracer?.Shutdown(timeout) ?? true, CancellationToken.None),
            Task.Run(() => meter?.Shutdown(timeout) ?? true, CancellationToken.None),
            Task.Run(() => logs?.Shutdown(timeout) ?? true, CancellationToken.None));

        if (flushed.Contains(false))
        {
            Log.FlushIncomplete(logger, FlushTimeout);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Telemetry was not fully exported within {Timeout} at shutdown (OTLP endpoint unreachable or slow); the rest is dropped.")]
        public static partial void FlushIncomplete(ILogger logger, TimeSpan timeout);
    }
}
