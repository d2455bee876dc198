namespace Nexus.Proxy.FrontDoor;

/// <summary>Configuration section <c>Proxy</c>.</summary>
internal sealed class FrontDoorOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Where <c>/ws</c> goes: a service-discovery name, or a plain URL when run standalone.</summary>
    public string GatewayAddress { get; set; } = "http://wsgateway";

    /// <summary>Where <c>/api/...</c> goes.</summary>
    public string RunnerAddress { get; set; } = "http://agentrunner";

    /// <summary>
    /// How long a proxied connection may stay silent before YARP cuts it. The gateway pings every WebSocket every
    /// 30 s, well inside this, so an idle but healthy client is never cut (YARP's own default is also 100 s;
    /// it is set here so that nobody lowers it without seeing the gateway's ping interval).
    /// </summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
