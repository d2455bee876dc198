using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Agents;

namespace Nexus.WsGateway.JsonRpc;

internal static class JsonRpcServiceCollectionExtensions
{
    /// <summary>
    /// Registers the JSON-RPC engine (<see cref="IJsonRpcDispatcher"/>), every method of PROTOCOL.md 4.2 and the
    /// AgentRunner client. Options: <c>Gateway:RunnerTimeout</c>, <c>Auth:RestrictApprovals</c>, validated at start-up.
    /// </summary>
    public static IServiceCollection AddJsonRpc(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<RunnerClientOptions>().BindConfiguration(RunnerClientOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunnerClientOptions>, RunnerClientOptionsValidator>();
        services.AddOptions<ApprovalPolicyOptions>().BindConfiguration(ApprovalPolicyOptions.Section);

        // The methods are singletons holding this typed client, so its handler must never be recycled by the
        // factory; connections are still renewed by the pool's lifetime and endpoints by service discovery.
        services.AddHttpClient<RunnerClient>(client => client.BaseAddress = new("http://agentrunner"))
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.AddSingleton<IJsonRpcMethod, NotifySubscribeMethod>();
        services.AddSingleton<IJsonRpcMethod, NotifyUnsubscribeMethod>();
        services.AddSingleton<IJsonRpcMethod, AgentRunMethod>();
        services.AddSingleton<IJsonRpcMethod, AgentCancelMethod>();
        services.AddSingleton<IJsonRpcMethod, AgentListMethod>();
        services.AddSingleton<IJsonRpcMethod, ApprovalListMethod>();
        services.AddSingleton<IJsonRpcMethod, ApprovalRespondMethod>();
        services.AddSingleton<IJsonRpcDispatcher, JsonRpcDispatcher>();
        return services;
    }
}
