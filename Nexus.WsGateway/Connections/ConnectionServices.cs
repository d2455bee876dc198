using Microsoft.Extensions.Options;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// What every connection shares, held once: a connection keeps one reference to this instead of one field per
/// service, which keeps an idle connection small.
/// </summary>
internal sealed class ConnectionServices(
    IJsonRpcDispatcher dispatcher,
    GatewayMetrics metrics,
    TimeProvider time,
    IOptions<GatewayOptions> options,
    ILogger<GatewayConnection> logger)
{
    public IJsonRpcDispatcher Dispatcher { get; } = dispatcher;

    public GatewayMetrics Metrics { get; } = metrics;

    public TimeProvider Time { get; } = time;

    public GatewayOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = logger;
}
