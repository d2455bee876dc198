using System.Text.Json;
using Nexus.Contracts.History;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.History;
using Nexus.WsGateway.Telemetry;
using StackExchange.Redis;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// <c>notify.resume { since }</c> → <c>{ recovered, replayed }</c> (docs/protocol.md section 4.2, "Resume"): before its
/// result, every durable notification after <c>since</c> that the client is entitled to and its filter allows, in id
/// order, each once; live ones that arrive meanwhile wait and follow.
/// </summary>
/// <remarks>
/// The seam: the connection starts holding its notifications at a boundary between two messages of the fan-out
/// (FanoutCommands), so every notification before it was sent and every one after it is held. The replay then sends
/// everything after <c>since</c> known at that moment or later; held notifications it covered are dropped, and from then
/// on the connection never takes one it covered (its floor). Neither a gap nor a duplicate is possible, on any replica.
/// </remarks>
internal sealed partial class NotifyResumeMethod(
    HistoryReplay replay,
    NotificationHistory history,
    FanoutCommands commands,
    ReplayEntitlement entitlement,
    GatewayMetrics metrics,
    ILogger<NotifyResumeMethod> logger) : IJsonRpcMethod
{
    public string Name => "notify.resume";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out var obj, out var error) || !TryGetSince(obj, out var since, out error))
        {
            return JsonRpcResult.Failure(error);
        }

        if (client.Connection is not { } connection)
        {
            return JsonRpcResult.Failure(JsonRpcError.InternalError);
        }

        var recovered = false;
        var replayed = 0;
        var floor = 0L;
        connection.EnterResume();
        try
        {
            await commands.HoldAtBoundaryAsync(connection).WaitAsync(cancellationToken);
            if (HistoryId.TryParse(since, out var id) && await replay.IsRecoverableAsync(id.Value))
            {
                recovered = true;
                var sinceOrdinal = history.OrdinalOf(id.Value) ?? 0;
                floor = sinceOrdinal;
                var (sentFrom, sentThrough) = connection.SentRange;
                var replayedFrom = 0L;
                await foreach (var entry in replay.ReadAfterAsync(id.Value, cancellationToken))
                {
                    floor = Math.Max(floor, entry.Ordinal);
                    replayedFrom = replayedFrom == 0 ? entry.Ordinal : replayedFrom;
                    // What this connection already had is not sent again. (When its first message came after the initial
                    // hold ran out, live notifications went first: the older ones it missed follow, out of order but
                    // none lost and none twice.)
                    var had = sentFrom != 0 && entry.Ordinal >= sentFrom && entry.Ordinal <= sentThrough;
                    if (had || entry.Frame.Length == 0 || !await entitlement.AllowsAsync(client, entry.Channel, cancellationToken))
                    {
                        continue;
                    }

                    if (!await connection.SendReplayedAsync(entry.Frame, cancellationToken))
                    {
                        break;
                    }

                    replayed++;
                }

                if (replayedFrom != 0)
                {
                    connection.RecordReplay(replayedFrom, floor);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // What was replayed stands (the floor covers it): a client that resumes again from its last id loses nothing.
            Log.ReplayFailed(logger, client.ConnectionId, ex.Message);
            return JsonRpcResult.Failure(JsonRpcError.Unavailable);
        }
        finally
        {
            connection.EndResume(floor);
        }

        metrics.Resumed(recovered, replayed);
        if (recovered)
        {
            Log.Replayed(logger, client.ConnectionId, replayed, since);
        }
        else
        {
            Log.NotRecovered(logger, client.ConnectionId, since);
        }

        return JsonRpcResult.Success(writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("recovered"u8, recovered);
            writer.WriteNumber("replayed"u8, replayed);
            writer.WriteEndObject();
        });
    }

    /// <summary>A string of 1 to 64 characters (its format is checked by the lookup: an unknown id is not recovered).</summary>
    private static bool TryGetSince(JsonElement obj, out string since, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out JsonRpcError? error)
    {
        since = "";
        if (!obj.TryGetProperty("since", out var value) || value.ValueKind != JsonValueKind.String)
        {
            error = JsonRpcError.InvalidParams("since", "since must be the id (a string) of the last notification received");
            return false;
        }

        since = value.GetString()!;
        if (since.Length is 0 or > HistoryId.MaxLength)
        {
            error = JsonRpcError.InvalidParams("since", $"since must be 1 to {HistoryId.MaxLength} characters");
            return false;
        }

        error = null;
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(JsonRpcEventIds.ResumeReplayed, LogLevel.Debug, "Connection {ConnectionId} resumed after {Since}: {Replayed} notifications replayed.")]
        public static partial void Replayed(ILogger logger, string connectionId, int replayed, string since);

        [LoggerMessage(JsonRpcEventIds.ResumeNotRecovered, LogLevel.Information, "Connection {ConnectionId} asked to resume after {Since}, which the history no longer holds: recovered false.")]
        public static partial void NotRecovered(ILogger logger, string connectionId, string since);

        [LoggerMessage(JsonRpcEventIds.ResumeReplayFailed, LogLevel.Warning, "Connection {ConnectionId}: the replay could not read the history ({Reason}); answered -32005.")]
        public static partial void ReplayFailed(ILogger logger, string connectionId, string reason);
    }
}
