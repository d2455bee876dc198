namespace Nexus.AppHost.Hosting;

internal static class GatewayReplicaExtensions
{
    /// <summary>
    /// The gateway, <paramref name="replicas"/> times (issue 6). In development each replica is its own resource
    /// (<c>wsgateway</c>, <c>wsgateway-2</c>, ...) so the front door sees, balances and health-checks every replica:
    /// <c>WithReplicas</c> would put them behind one orchestrator proxy, and Aspire refuses replicas with proxy-less
    /// endpoints. Published, it is one service with replicas; the platform's ingress spreads connections over them.
    /// docs/scaling.md explains both.
    /// </summary>
    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddGatewayReplicas(
        this IDistributedApplicationBuilder builder,
        int replicas,
        Func<IResourceBuilder<ProjectResource>, IResourceBuilder<ProjectResource>> configure)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return [configure(builder.AddNexusService<Projects.Nexus_WsGateway>("wsgateway")).WithReplicas(replicas)];
        }

        return [.. Enumerable.Range(1, replicas).Select(i =>
        {
            // The first keeps the plain name, so service discovery and a one-replica app look as they always did.
            var name = i == 1 ? "wsgateway" : $"wsgateway-{i}";
            return configure(builder.AddNexusService<Projects.Nexus_WsGateway>(name))
                .WithEnvironment("Gateway__InstanceId", name);
        })];
    }

    /// <summary>
    /// The front door's gateway destinations: a service-discovery reference to every replica and, with more than
    /// one, their names as <c>Proxy:GatewayAddresses</c> (one YARP destination each).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGateways(
        this IResourceBuilder<ProjectResource> proxy, IReadOnlyList<IResourceBuilder<ProjectResource>> gateways)
    {
        foreach (var gateway in gateways)
        {
            proxy.WithReference(gateway).WaitFor(gateway);
        }

        if (gateways.Count > 1)
        {
            for (var i = 0; i < gateways.Count; i++)
            {
                proxy.WithEnvironment($"Proxy__GatewayAddresses__{i}", $"http://{gateways[i].Resource.Name}");
            }
        }

        return proxy;
    }
}
