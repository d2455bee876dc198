using Microsoft.Extensions.DependencyInjection;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Identity;

internal static class GatewayHostExtensions
{
    /// <summary>Connections the gateway's registry holds right now (a refused upgrade must leave none).</summary>
    public static int OpenConnections(this GatewayHost host) => host.App.Services.GetRequiredService<ConnectionRegistry>().Count;
}
