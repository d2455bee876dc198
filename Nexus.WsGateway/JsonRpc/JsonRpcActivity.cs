using System.Diagnostics;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// One server span per JSON-RPC call (OpenTelemetry RPC conventions), so that what a call causes (the runner's
/// HTTP request, the session, its notifications and their fan-out) forms one trace per call. The WebSocket
/// upgrade's own span lasts as long as the connection: as parent it would put every call of a connection into one
/// trace that ends only when the client leaves. It is linked instead.
/// </summary>
internal static class JsonRpcActivity
{
    /// <param name="method">The method called.</param>
    /// <param name="client">The caller.</param>
    /// <param name="traceParent">
    /// The request's <c>traceparent</c> member (W3C trace context, issue 14): when valid, the call's span continues the
    /// client's trace instead of starting one. The connection is still only linked.
    /// </param>
    public static Activity? Start(string method, ClientContext client, string? traceParent = null)
    {
        if (!GatewayTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var connection = Activity.Current;
        ActivityLink[]? links = connection is null ? null : [new ActivityLink(connection.Context)];
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent);

        // A default parent context means "Activity.Current" to StartActivity; clearing it makes the call a root
        // (or a child of the client's span). The caller is an async method, so the change stays inside it.
        Activity.Current = null;
        var activity = GatewayTelemetry.ActivitySource.StartActivity("rpc " + method, ActivityKind.Server, parentContext: parent, links: links);
        if (activity is null)
        {
            Activity.Current = connection;
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag("rpc.system", "jsonrpc");
            activity.SetTag("rpc.method", method);
            activity.SetTag("rpc.jsonrpc.version", "2.0");
            activity.SetTag("nexus.connection.id", client.ConnectionId);
            activity.SetTag("enduser.id", client.UserId);
        }

        return activity;
    }

    public static void SetError(Activity? activity, JsonRpcError error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rpc.jsonrpc.error_code", error.Code);
        activity.SetTag("rpc.jsonrpc.error_message", error.Message);
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
