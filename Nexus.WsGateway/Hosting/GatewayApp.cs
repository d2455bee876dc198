namespace Nexus.WsGateway.Hosting;

/// <summary>
/// The gateway as a table of contents. <see cref="Create"/> is also how tests build the real application
/// (real Kestrel, real Redis) with their own configuration.
/// </summary>
internal static class GatewayApp
{
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Runs before any registration reads configuration (tests set the Redis connection string here).</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.AddRedisClient("redis");
        builder.AddWsGateway();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapWsGateway();
        return app;
    }
}
