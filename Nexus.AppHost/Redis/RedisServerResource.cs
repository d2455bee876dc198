namespace Nexus.AppHost.Redis;

/// <summary>
/// A local <c>redis-server</c> process standing in for Aspire's Redis container where no container runtime answers.
/// It hands out the same kind of connection string (<c>host:port</c>), so the services cannot tell the difference.
/// </summary>
internal sealed class RedisServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    private EndpointReference? _primaryEndpoint;

    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}
