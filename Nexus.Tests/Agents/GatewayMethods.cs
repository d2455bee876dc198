using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.WsGateway.Agents;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.Agents;

/// <summary>
/// The gateway's JSON-RPC side as <c>AddJsonRpc</c> registers it, with the HttpClient defaults of the service defaults
/// (standard resilience handler; retry delay shortened so a retry happens within a test), pointed at a runner address.
/// </summary>
internal sealed class GatewayMethods : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public GatewayMethods(Uri runner, TimeSpan runnerTimeout, bool restrictApprovals = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:RunnerTimeout"] = runnerTimeout.ToString(),
            ["Auth:RestrictApprovals"] = restrictApprovals ? "true" : "false",
        }).Build();

        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration);
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.FromMilliseconds(20)));
        services.AddJsonRpc();
        services.AddHttpClient<RunnerClient>(client => client.BaseAddress = runner);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Dispatcher = _services.GetRequiredService<IJsonRpcDispatcher>();
    }

    public IJsonRpcDispatcher Dispatcher { get; }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
