using Nexus.Proxy.FrontDoor;

namespace Nexus.Proxy.Hosting;

/// <summary>The front door as a table of contents; tests build the real application with it (real Kestrel, real YARP).</summary>
internal static class ProxyApp
{
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Runs before any registration reads configuration (tests set the destinations here).</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(ProxyApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.AddFrontDoor();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        // The operator console (wwwroot, issue 7) at "/"; /ws and /api/* stay proxied by the front door's routes.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapFrontDoor();
        return app;
    }
}
