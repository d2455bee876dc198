using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.JsonRpc;

/// <summary><c>notify.unsubscribe { channels }</c> → <c>{ filter }</c>.</summary>
internal sealed class NotifyUnsubscribeMethod(IOptions<GatewayOptions> options, ILogger<NotifyUnsubscribeMethod> logger) : IJsonRpcMethod
{
    private readonly int _maxNames = options.Value.MaxFilterNames;

    public string Name => "notify.unsubscribe";

    public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FilterChange.Apply(parameters, client, static (filter, channels) => filter.Unsubscribe(channels), _maxNames, logger));
}
