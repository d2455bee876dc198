using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary><c>notify.subscribe { channels }</c> → <c>{ filter }</c>.</summary>
internal sealed class NotifySubscribeMethod(ILogger<NotifySubscribeMethod> logger) : IJsonRpcMethod
{
    public string Name => "notify.subscribe";

    public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FilterChange.Apply(parameters, client, static (filter, channels) => filter.Subscribe(channels), logger));
}
