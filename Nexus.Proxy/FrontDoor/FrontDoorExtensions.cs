using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Nexus.Proxy.FrontDoor;

internal static class FrontDoorExtensions
{
    /// <summary>YARP with the front door's routes; destinations resolved by service discovery (issue 2, item 7).</summary>
    public static IHostApplicationBuilder AddFrontDoor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FrontDoorOptions>()
            .BindConfiguration(FrontDoorOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FrontDoorOptions>, FrontDoorOptionsValidator>();

        builder.Services.AddSingleton<IProxyConfigProvider>(
            sp => FrontDoorRoutes.Create(sp.GetRequiredService<IOptions<FrontDoorOptions>>().Value, builder.Environment.IsDevelopment()));
        builder.Services.AddReverseProxy().AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    public static WebApplication MapFrontDoor(this WebApplication app)
    {
        app.MapReverseProxy();
        return app;
    }
}
