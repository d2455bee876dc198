using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>The shared body of notify.subscribe and notify.unsubscribe (docs/protocol.md 4.2).</summary>
internal static partial class FilterChange
{
    /// <param name="parameters">The call's <c>params</c>.</param>
    /// <param name="client">Whose filter changes.</param>
    /// <param name="change">Subscribe or unsubscribe.</param>
    /// <param name="maxNames"><c>Gateway:MaxFilterNames</c>: the most names the changed filter may hold.</param>
    /// <param name="logger">The method's logger.</param>
    public static JsonRpcResult Apply(JsonElement? parameters, ClientContext client, Func<ClientFilter, string[], ClientFilter> change, int maxNames, ILogger logger)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error)
            || !JsonRpcParams.TryGetStringList(obj, "channels", out var channels, out error)
            || !HasShortNames(channels, out error))
        {
            // The filter is left as it was.
            return JsonRpcResult.Failure(error);
        }

        // Only the connection's receive loop calls methods, one message at a time, so read-change-write
        // cannot race another change; the fan-out only ever reads the whole snapshot.
        var filter = change(client.Filter, channels);
        if (filter.NameCount > maxNames)
        {
            // Section 3: a filter is bounded, so a client cannot make its filter (and every reply echoing it) grow
            // without end. The change is refused whole.
            LogFilterTooLarge(logger, client.ConnectionId, filter.NameCount, maxNames);
            return JsonRpcResult.Failure(JsonRpcError.InvalidParams(
                "channels", $"the filter would hold {filter.NameCount} names, more than the {maxNames} allowed (include and exclude together)"));
        }

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

    private static bool HasShortNames(string[] channels, [NotNullWhen(false)] out JsonRpcError? error)
    {
        for (var i = 0; i < channels.Length; i++)
        {
            if (channels[i].Length > ClientFilter.MaxNameLength)
            {
                error = JsonRpcError.InvalidParams("channels", $"channels[{i}] is longer than {ClientFilter.MaxNameLength} characters");
                return false;
            }
        }

        error = null;
        return true;
    }

    [LoggerMessage(EventId = JsonRpcEventIds.FilterChanged, Level = LogLevel.Debug, Message = "Connection {ConnectionId} filter is now {Filter}")]
    private static partial void LogFilterChanged(ILogger logger, string connectionId, ClientFilter filter);

    [LoggerMessage(EventId = JsonRpcEventIds.FilterTooLarge, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: a filter change to {Names} names refused, more than Gateway:MaxFilterNames ({Max})")]
    private static partial void LogFilterTooLarge(ILogger logger, string connectionId, int names, int max);
}
