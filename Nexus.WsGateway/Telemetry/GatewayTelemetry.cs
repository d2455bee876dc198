using System.Diagnostics;

namespace Nexus.WsGateway.Telemetry;

/// <summary>Names shared by the gateway's traces and metrics; ServiceDefaults collects everything under <c>Nexus.</c>.</summary>
internal static class GatewayTelemetry
{
    public const string Name = "Nexus.Gateway";

    public static readonly ActivitySource ActivitySource = new(Name);
}
