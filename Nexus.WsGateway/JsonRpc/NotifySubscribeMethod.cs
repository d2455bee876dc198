using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.JsonRpc;

/// <summary><c>notify.subscribe { channels }</c> → <c>{ filter }</c>.</summary>
internal sealed class NotifySubscribeMethod(IOptions<GatewayOptions> options, ILogger<NotifySubscribeMethod> logger) : IJsonRpcMethod
{
    private readonly int _maxNames = options.Value.MaxFilterNames;

    public string Name => "notify.subscribe";

    public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FilterChange.Apply(parameters, client, static (filter, channels) => filter.Subscribe(channels), _maxNames, logger));
}
