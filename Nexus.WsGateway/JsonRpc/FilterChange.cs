using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>The shared body of notify.subscribe and notify.unsubscribe (PROTOCOL.md 4.2).</summary>
internal static partial class FilterChange
{
    public static JsonRpcResult Apply(JsonElement? parameters, ClientContext client, Func<ClientFilter, string[], ClientFilter> change, ILogger logger)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetStringList(obj, "channels", out var channels, out error))
        {
            // The filter is left as it was.
            return JsonRpcResult.Failure(error);
        }

        // Only the connection's receive loop calls methods, one message at a time, so read-change-write
        // cannot race another change; the fan-out only ever reads the whole snapshot.
        var filter = change(client.Filter, channels);
        client.Filter = filter;
        LogFilterChanged(logger, client.ConnectionId, filter);
        return JsonRpcResult.Success(writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("filter"u8);
            filter.WriteTo(writer);
            writer.WriteEndObject();
        });
    }

    [LoggerMessage(EventId = JsonRpcEventIds.FilterChanged, Level = LogLevel.Debug, Message = "Connection {ConnectionId} filter is now {Filter}")]
    private static partial void LogFilterChanged(ILogger logger, string connectionId, ClientFilter filter);
}
