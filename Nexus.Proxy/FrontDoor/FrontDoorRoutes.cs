using Nexus.Contracts.Identity;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Nexus.Proxy.FrontDoor;

/// <summary>The two routes of the front door. Paths are forwarded unchanged.</summary>
internal static class FrontDoorRoutes
{
    public const string GatewayCluster = "wsgateway";
    public const string RunnerCluster = "agentrunner";

    /// <summary>One failed probe takes a destination out: a stopped replica must leave the rotation within one interval.</summary>
    private static readonly Dictionary<string, string> HealthMetadata = new()
    {
        [ConsecutiveFailuresHealthPolicyOptions.ThresholdMetadataName] = "1",
    };

    /// <param name="options">Destinations and timeouts.</param>
    /// <param name="development">
    /// Adds <c>/dev/{**catch-all}</c> to the gateway, for its development token endpoint (<c>POST /dev/token</c>).
    /// Never outside Development; the gateway also maps it only there.
    /// </param>
    public static InMemoryConfigProvider Create(FrontDoorOptions options, bool development = false)
    {
        List<RouteConfig> routes =
        [
            // WebSocket upgrades need no YARP setting: a GET /ws with Upgrade headers is proxied as a WebSocket.
            new() { RouteId = "ws", ClusterId = GatewayCluster, Match = new() { Path = "/ws" } },
            // The runner authenticates every /api call itself (docs/protocol.md section 5.1: a user token, 401 otherwise).
            // The headers by which the gateway names a user are dropped here too: they count only with the gateway's
            // service credential, and nothing outside has a reason to send them.
            new()
            {
                RouteId = "api",
                ClusterId = RunnerCluster,
                Match = new() { Path = "/api/{**catch-all}" },
                Transforms =
                [
                    new Dictionary<string, string> { ["RequestHeaderRemove"] = ServiceCredential.UserHeader },
                    new Dictionary<string, string> { ["RequestHeaderRemove"] = ServiceCredential.ApproverHeader },
                ],
            },
        ];
        if (development)
        {
            routes.Add(new() { RouteId = "dev", ClusterId = GatewayCluster, Match = new() { Path = "/dev/{**catch-all}" } });
        }

        var request = new ForwarderRequestConfig { ActivityTimeout = options.ActivityTimeout };
        var health = HealthChecks(options.HealthCheckInterval);
        var gatewayAddresses = options.EffectiveGatewayAddresses;
        ClusterConfig[] clusters =
        [
            // A WebSocket counts as one active request for its whole life, so PowerOfTwoChoices spreads open sockets
            // over gateway replicas. No sticky sessions: any replica serves any client (every replica receives every
            // Redis message), and a client that reconnects may land anywhere (docs/scaling.md).
            new()
            {
                ClusterId = GatewayCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
                HttpRequest = request,
                HealthCheck = health,
                Metadata = HealthMetadata,
                Destinations = gatewayAddresses
                    .Select((address, i) => (Name: i == 0 ? "wsgateway" : $"wsgateway-{i + 1}", Address: address))
                    .ToDictionary(d => d.Name, d => new DestinationConfig { Address = d.Address }),
            },
            new()
            {
                ClusterId = RunnerCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
                HttpRequest = request,
                HealthCheck = health,
                Metadata = HealthMetadata,
                Destinations = new Dictionary<string, DestinationConfig> { ["agentrunner"] = new() { Address = options.RunnerAddress } },
            },
        ];

        return new InMemoryConfigProvider(routes, clusters);
    }

    /// <summary>
    /// Active probes of <c>/health</c> (docs/protocol.md section 7: ready means Redis reachable) find a stopped or cut-off
    /// replica; passive checks add the evidence of failed forwards under load. When every destination is unhealthy
    /// YARP still tries them all ("panic") rather than refuse everyone on a shared blip such as a Redis failover.
    /// </summary>
    private static HealthCheckConfig HealthChecks(TimeSpan interval) => new()
    {
        AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        Active = new ActiveHealthCheckConfig
        {
            Enabled = true,
            Interval = interval,
            Timeout = TimeSpan.FromSeconds(2),
            Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
            Path = "/health",
        },
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true,
            Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
            ReactivationPeriod = interval,
        },
    };
}
