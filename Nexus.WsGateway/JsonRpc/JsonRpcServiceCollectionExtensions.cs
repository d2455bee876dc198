using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Agents;

namespace Nexus.WsGateway.JsonRpc;

internal static class JsonRpcServiceCollectionExtensions
{
    /// <summary>
    /// Registers the JSON-RPC engine (<see cref="IJsonRpcDispatcher"/>), every method of docs/protocol.md 4.2 and the
    /// AgentRunner client. Options: <c>Gateway:RunnerTimeout</c>, <c>Auth:ServiceKey</c>, validated at start-up.
    /// </summary>
    public static IServiceCollection AddJsonRpc(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<RunnerClientOptions>().BindConfiguration(RunnerClientOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunnerClientOptions>, RunnerClientOptionsValidator>();
        services.AddOptions<RunnerCredentialOptions>().BindConfiguration(RunnerCredentialOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunnerCredentialOptions>, RunnerCredentialOptionsValidator>();

        // The methods are singletons holding this typed client, so its handler must never be recycled by the
        // factory; connections are still renewed by the pool's lifetime and endpoints by service discovery.
        // The service defaults' resilience handler is replaced by one of this client's own (options "RunnerClient-standard"):
        // a 429 from the runner is a deliberate refusal (a user's quota, a full runner), not a sign of a failing runner.
        // Retrying it is pointless, and counting it in the one circuit breaker every user shares would let a flood of
        // refused agent.run calls cut approval.respond and agent.cancel for everyone (issue 11, item 4).
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the supported way to replace the defaults' handler for one client.
        services.AddHttpClient<RunnerClient>(client => client.BaseAddress = new("http://agentrunner"))
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome));
                resilience.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome));
            });
#pragma warning restore EXTEXP0001

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

    private static bool IsFailure(Polly.Outcome<HttpResponseMessage> outcome)
        => outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(outcome);
}
