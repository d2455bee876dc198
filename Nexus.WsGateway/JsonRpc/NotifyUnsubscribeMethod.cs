using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary><c>notify.unsubscribe { channels }</c> → <c>{ filter }</c>.</summary>
internal sealed class NotifyUnsubscribeMethod(ILogger<NotifyUnsubscribeMethod> logger) : IJsonRpcMethod
{
    public string Name => "notify.unsubscribe";

    public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FilterChange.Apply(parameters, client, static (filter, channels) => filter.Unsubscribe(channels), logger));
}
