using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace Nexus.Proxy.FrontDoor;

/// <summary>The two routes of the front door. Paths are forwarded unchanged.</summary>
internal static class FrontDoorRoutes
{
    public const string GatewayCluster = "wsgateway";
    public const string RunnerCluster = "agentrunner";

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
            new() { RouteId = "api", ClusterId = RunnerCluster, Match = new() { Path = "/api/{**catch-all}" } },
        ];
        if (development)
        {
            routes.Add(new() { RouteId = "dev", ClusterId = GatewayCluster, Match = new() { Path = "/dev/{**catch-all}" } });
        }

        var request = new ForwarderRequestConfig { ActivityTimeout = options.ActivityTimeout };
        ClusterConfig[] clusters =
        [
            // A WebSocket counts as one active request for its whole life, so PowerOfTwoChoices spreads open sockets
            // over gateway replicas. No sticky sessions: any replica serves any client (every replica receives every
            // Redis message), and a client that reconnects may land anywhere.
            new()
            {
                ClusterId = GatewayCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
                HttpRequest = request,
                Destinations = new Dictionary<string, DestinationConfig> { ["wsgateway"] = new() { Address = options.GatewayAddress } },
            },
            new()
            {
                ClusterId = RunnerCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
                HttpRequest = request,
                Destinations = new Dictionary<string, DestinationConfig> { ["agentrunner"] = new() { Address = options.RunnerAddress } },
            },
        ];

        return new InMemoryConfigProvider(routes, clusters);
    }
}
