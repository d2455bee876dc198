using Microsoft.Extensions.Hosting;

namespace Nexus.AppHost.Hosting;

internal static class NexusServiceExtensions
{
    /// <summary>
    /// A Nexus service with one <c>http</c> endpoint and the <c>/health</c> check. The AppHost owns the endpoints
    /// (launch profiles of the services are ignored), so the topology reads the same in run and publish mode.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddNexusService<TProject>(
        this IDistributedApplicationBuilder builder, string name, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        var service = builder.AddProject<TProject>(name, launchProfileName: null)
            .WithHttpEndpoint(port: builder.ExecutionContext.IsRunMode && port is > 0 ? port : null)
            .WithHttpHealthCheck("/health");

        // Without a launch profile nothing tells the service its environment; it inherits the AppHost's.
        if (builder.ExecutionContext.IsRunMode)
        {
            service.WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName);
        }

        return service;
    }

    /// <summary>
    /// <c>?user=</c> identities (docs/protocol.md section 5) for local development only: never when publishing,
    /// never outside the Development environment.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentIdentities(this IResourceBuilder<ProjectResource> service)
    {
        var builder = service.ApplicationBuilder;
        if (builder.ExecutionContext.IsRunMode && builder.Environment.IsDevelopment())
        {
            service.WithEnvironment("Auth__AllowDevUsers", "true");
            // The console served by the front door (docs/protocol.md section 5; same-origin pages pass anyway, see OriginPolicy).
            service.WithEnvironment("Gateway__AllowedOrigins__0", "http://localhost:5080");
        }

        return service;
    }
}
