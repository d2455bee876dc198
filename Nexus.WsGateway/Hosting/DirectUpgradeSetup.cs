using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.Hosting;

/// <summary>
/// Puts <see cref="DirectUpgradeMiddleware"/> in front of the HTTP layer of every Kestrel endpoint, including the
/// ones from <c>ASPNETCORE_URLS</c> / <c>--urls</c> (endpoint defaults apply to those too), unless
/// <c>Gateway:DirectUpgrade</c> is false.
/// </summary>
internal sealed class DirectUpgradeSetup(IOptions<GatewayOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        if (!options.Value.DirectUpgrade)
        {
            return;
        }

        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next =>
        {
            var middleware = listen.ApplicationServices.GetRequiredService<DirectUpgradeMiddleware>();
            return connection => middleware.OnConnectionAsync(connection, next);
        }));
    }
}
