using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// One JSON-RPC method. Implementations validate the params before they look anything up
/// (docs/protocol.md 4.3) and return errors as results; an exception becomes -32603.
/// </summary>
internal interface IJsonRpcMethod
{
    /// <summary>The method name as it appears on the wire, e.g. <c>notify.subscribe</c>.</summary>
    string Name { get; }

    /// <summary>Runs the method. <c>parameters</c> is the <c>params</c> member (an object or an array) or null when absent,
    /// valid only during the call.</summary>
    ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken);
}
