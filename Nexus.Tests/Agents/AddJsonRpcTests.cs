using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.Agents;

public sealed class AddJsonRpcTests
{
    [Fact]
    public void Registers_the_dispatcher_and_every_method_of_the_protocol()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development })
            .AddJsonRpc()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<JsonRpcDispatcher>(services.GetRequiredService<IJsonRpcDispatcher>());
        Assert.Equal(
            ["agent.cancel", "agent.list", "agent.run", "approval.list", "approval.respond", "notify.subscribe", "notify.unsubscribe"],
            services.GetServices<IJsonRpcMethod>().Select(m => m.Name).Order(StringComparer.Ordinal));
    }
}
