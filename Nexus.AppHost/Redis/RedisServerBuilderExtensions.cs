using Microsoft.Extensions.DependencyInjection;

namespace Nexus.AppHost.Redis;

internal static class RedisServerBuilderExtensions
{
    /// <summary>
    /// A <c>redis-server</c> process on a port the orchestrator allocates (or <paramref name="port"/>), bound to
    /// loopback, with a RESP PING health check so <c>WaitFor</c> means "answers", not "started".
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(
        this IDistributedApplicationBuilder builder, string name, int? port, string? dataDirectory)
    {
        var workingDirectory = dataDirectory is null
            ? builder.AppHostDirectory
            : Path.GetFullPath(dataDirectory, builder.AppHostDirectory);
        Directory.CreateDirectory(workingDirectory);

        var resource = new RedisServerResource(name, FindRedisServer(), workingDirectory);
        var healthCheckKey = $"{name}_ping";
        builder.Services.AddHealthChecks().AddCheck(healthCheckKey, new RedisPingHealthCheck(resource));

        return builder.AddResource(resource)
            .WithEndpoint(port: port, name: RedisServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                // The orchestrator's proxy connects from loopback without a password, like the dev container.
                context.Args.Add("--protected-mode");
                context.Args.Add("no");
                if (dataDirectory is null)
                {
                    context.Args.Add("--save");
                    context.Args.Add("");
                    context.Args.Add("--appendonly");
                    context.Args.Add("no");
                }
                else
                {
                    context.Args.Add("--dir");
                    context.Args.Add(workingDirectory);
                    context.Args.Add("--appendonly");
                    context.Args.Add("yes");
                }
            })
            .WithHealthCheck(healthCheckKey);
    }

    private static string FindRedisServer()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DistributedApplicationException(
            "No container runtime answers and redis-server is not installed. Run ./run.sh (it installs redis-server), "
            + "or 'apt-get install -y redis-server', or start Docker and set Nexus:Redis:Mode=container.");
    }
}
