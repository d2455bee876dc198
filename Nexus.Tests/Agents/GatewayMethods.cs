using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
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

    public GatewayMethods(Uri runner, TimeSpan runnerTimeout, string? serviceKey = Runner.RunnerHost.ServiceKey, ILoggerProvider? logs = null, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:RunnerTimeout"] = runnerTimeout.ToString(),
            ["Auth:ServiceKey"] = serviceKey,
        }).Build();

        var services = new ServiceCollection()
            .AddLogging(logging =>
            {
                if (logs is not null)
                {
                    logging.AddProvider(logs);
                }
            })
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development })
            .AddSingleton<IConfiguration>(configuration);
        if (time is not null)
        {
            // The resilience pipelines (Polly) take their clock from the container.
            services.AddSingleton(time);
        }

        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddJsonRpc();
        // The runner client's own pipeline (AddJsonRpc), with a retry delay short enough for a test.
        services.Configure<HttpStandardResilienceOptions>("RunnerClient-standard", o => o.Retry.Delay = TimeSpan.FromMilliseconds(20));
        services.AddHttpClient<RunnerClient>(client => client.BaseAddress = runner);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Dispatcher = _services.GetRequiredService<IJsonRpcDispatcher>();
    }

    public IJsonRpcDispatcher Dispatcher { get; }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
