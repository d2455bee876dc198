namespace Nexus.Proxy.FrontDoor;

/// <summary>Configuration section <c>Proxy</c>.</summary>
internal sealed class FrontDoorOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Where <c>/ws</c> goes: a service-discovery name, or a plain URL when run standalone.</summary>
    public string GatewayAddress { get; set; } = "http://wsgateway";

    /// <summary>
    /// Every gateway replica, one YARP destination each (<c>Proxy:GatewayAddresses:0</c>, <c>:1</c>, ...); when set it
    /// replaces <see cref="GatewayAddress"/>. The AppHost sets it in development, where each replica is its own
    /// resource so that YARP, not the orchestrator's proxy, chooses the replica (docs/scaling.md).
    /// </summary>
    public IList<string> GatewayAddresses { get; } = [];

    /// <summary>Where <c>/api/...</c> goes.</summary>
    public string RunnerAddress { get; set; } = "http://agentrunner";

    /// <summary>
    /// How long a proxied connection may stay silent before YARP cuts it. The gateway pings every WebSocket every
    /// 30 s, well inside this, so an idle but healthy client is never cut (YARP's own default is also 100 s;
    /// it is set here so that nobody lowers it without seeing the gateway's ping interval).
    /// </summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How often YARP probes <c>GET /health</c> of every destination. A replica that stops is out of the rotation
    /// after one failed probe, so clients it sent away with 1001 reconnect to a live one.
    /// </summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The gateway destinations in effect: <see cref="GatewayAddresses"/>, else <see cref="GatewayAddress"/>.</summary>
    public IReadOnlyList<string> EffectiveGatewayAddresses => GatewayAddresses.Count > 0 ? [.. GatewayAddresses] : [GatewayAddress];
}
