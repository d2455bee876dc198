using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The orchestrator gives a stopping service only a few seconds. The gateway used to take 10-15 s after "Hosting
/// stopped" when the OTLP endpoint Aspire hands it did not answer: each telemetry provider waited 5 s at disposal
/// while its exporter retried.
/// </summary>
public sealed class ShutdownTimeTests
{
    /// <summary>
    /// Half of what the fault added (5 s for each of three providers, one after the other): a margin no busy machine
    /// makes up, over a baseline measured in the same test instead of an absolute limit.
    /// </summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Gateway_stops_quickly_with_an_open_socket_an_idle_connection_and_an_unreachable_OTLP_endpoint()
    {
        await using var redis = await RedisServer.StartAsync();
        var baseline = await StopTimeAsync(redis, new Dictionary<string, string?>());

        // What Aspire sets for a project, pointed at a port where nothing listens.
        var withOtlp = await StopTimeAsync(redis, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
        });

        Assert.True(withOtlp < baseline + Margin, $"stop and disposal took {withOtlp} with the OTLP endpoint unreachable, {baseline} without one");
    }

    /// <summary>Stop and disposal of a gateway with an open socket and an idle keep-alive connection.</summary>
    private static async Task<TimeSpan> StopTimeAsync(RedisServer redis, Dictionary<string, string?> settings)
    {
        await using var host = await GatewayHost.StartAsync(redis, settings);
        await using var client = await host.ConnectAsync("stop-timer");
        using var http = host.CreateHttpClient();
        // Leaves a keep-alive connection open, as the orchestrator's health checks do.
        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var stopwatch = Stopwatch.StartNew();
        await host.StopAsync();
        await host.App.DisposeAsync().AsTask().WaitAsync(GatewayHost.Timeout);
        stopwatch.Stop();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.WaitForCloseAsync());
        return stopwatch.Elapsed;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
