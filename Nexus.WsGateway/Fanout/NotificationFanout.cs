using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Nexus.Contracts;
using Nexus.Contracts.History;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.History;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;
using StackExchange.Redis;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// One Redis message to its recipients: validate and serialise once, route (docs/protocol.md section 2), apply each
/// client's filter, hand the same bytes to every recipient's writer. Never awaits a client; the awaits are the owner
/// lookup of an <c>agent:</c> channel on a cache miss and, after the subscriber missed messages, the read of the missed
/// ones from the history, both of which keep the order of the single consumer.
/// Called by one consumer at a time (<see cref="FanoutWorker"/>).
/// </summary>
/// <remarks>
/// Durable notifications (with an id, section 1.1) are also kept in <see cref="NotificationHistory"/>, and their ids
/// checked: a sequence number that skips some means the subscriber missed them (its connection to Redis was cut), so they
/// are read from the history and delivered first (catch-up); one already delivered is skipped.
/// </remarks>
internal sealed partial class NotificationFanout : IDisposable
{
    private static readonly TimeSpan s_invalidLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>From this many recipients a fan-out is split over two threads (<see cref="FanoutLane"/>).</summary>
    internal const int LaneThreshold = 256;

    private readonly ConnectionRegistry _registry;
    private readonly NotificationHistory _history;
    private readonly IHistoryReader _historyReader;
    private readonly ISessionOwnerLookup _owners;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NotificationParser _parser;
    private readonly LogRateLimiter _invalidLog;
    private readonly bool _restrictApprovals;
    private readonly FanoutLane? _lane = Environment.ProcessorCount > 1 ? new FanoutLane() : null;

    public NotificationFanout(
        ConnectionRegistry registry,
        NotificationHistory history,
        IHistoryReader historyReader,
        ISessionOwnerLookup owners,
        GatewayMetrics metrics,
        TimeProvider time,
        IOptions<GatewayOptions> gatewayOptions,
        IOptions<AuthOptions> authOptions,
        ILogger<NotificationFanout> logger)
    {
        _registry = registry;
        _history = history;
        _historyReader = historyReader;
        _owners = owners;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _parser = new NotificationParser(gatewayOptions.Value.MaxPayloadBytes, gatewayOptions.Value.MaxQueuedBytes);
        _invalidLog = new LogRateLimiter(time, s_invalidLogInterval);
        _restrictApprovals = authOptions.Value.RestrictApprovals;
    }

    public void Dispose() => _parser.Dispose();

    /// <summary>Returns the number of connections the notification was handed to.</summary>
    public ValueTask<int> FanOutAsync(SourceNotification notification, CancellationToken cancellationToken)
        => FanOutAsync(notification, batch: null, cancellationToken);

    /// <summary>
    /// As <see cref="FanOutAsync(SourceNotification, CancellationToken)"/>; with a <paramref name="batch"/>, writes may
    /// be held until the caller completes it, so that several notifications leave each socket in one flush.
    /// </summary>
    public async ValueTask<int> FanOutAsync(SourceNotification notification, WriteBatch? batch, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        _metrics.NotificationReceived();

        var redisChannel = notification.RedisChannel;
        if (!redisChannel.StartsWith(Channels.RedisPrefix, StringComparison.Ordinal) || redisChannel.Length == Channels.RedisPrefix.Length)
        {
            Reject(redisChannel, "invalid_channel", notification.Payload.Length);
            return 0;
        }

        var channel = redisChannel[Channels.RedisPrefix.Length..];
        if (!_parser.TryParse(channel, notification.Payload.Span, _time.GetUtcNow().ToUnixTimeMilliseconds(), out var parsed, out var rejection))
        {
            Reject(redisChannel, rejection, notification.Payload.Length);
            return 0;
        }

        var ordinal = 0L;
        if (parsed.Id is { } id)
        {
            switch (_history.Place(id))
            {
                case HistoryPlacement.Duplicate:
                    _metrics.HistoryDuplicateSkipped();
                    return 0;
                case HistoryPlacement.Gap:
                    await CatchUpAsync(id, batch, cancellationToken);
                    break;
            }

            ordinal = _history.Append(id, channel, parsed.Frame).Ordinal;
        }

        var delivered = await DeliverParsedAsync(redisChannel, channel, parsed, ordinal, notification.Payload.Length, batch, cancellationToken);
        _metrics.FanoutCompleted(_time.GetElapsedTime(started).TotalMilliseconds);
        return delivered;
    }

    /// <summary>
    /// Delivers, in order, every durable notification after the last one delivered and before <paramref name="before"/>
    /// (all of them, when null), read from the history (docs/protocol.md section 1.1: a gateway that lost its Redis
    /// connection delivers what was published meanwhile before anything newer). Returns how many it read.
    /// </summary>
    public async Task<int> CatchUpAsync(HistoryId? before, WriteBatch? batch, CancellationToken cancellationToken)
    {
        var read = 0;
        while (_history.Last is { } last && (before is null || before.Value.Epoch == last.Epoch))
        {
            IReadOnlyList<StoredNotification> page;
            try
            {
                page = await _historyReader.ReadAsync(last, before).WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.CatchUpFailed(_logger, last.ToString(), ex.Message);
                return read;
            }

            if (page.Count == 0)
            {
                break;
            }

            if (page[0].Id.Sequence != last.Sequence + 1)
            {
                // Trimmed before the subscriber came back: those are gone for this gateway's clients too.
                Log.CatchUpIncomplete(_logger, last.ToString(), page[0].Id.ToString());
            }

            foreach (var stored in page)
            {
                read++;
                var redisChannel = Channels.RedisPrefix + stored.Channel;
                if (!_parser.TryParse(stored.Channel, stored.Payload.Span, stored.Id.Milliseconds, stored.Id, out var parsed, out var rejection))
                {
                    // Kept as a place with nothing to send, so the history stays contiguous and no one reads it again.
                    Reject(redisChannel, rejection, stored.Payload.Length);
                    _history.Append(stored.Id, stored.Channel, []);
                    continue;
                }

                var ordinal = _history.Append(stored.Id, stored.Channel, parsed.Frame).Ordinal;
                await DeliverParsedAsync(redisChannel, stored.Channel, parsed, ordinal, stored.Payload.Length, batch, cancellationToken);
            }

            if (page.Count < IHistoryReader.PageSize)
            {
                break;
            }
        }

        if (read > 0)
        {
            _metrics.HistoryCaughtUp(read);
            Log.CaughtUp(_logger, read);
        }

        return read;
    }

    private async ValueTask<int> DeliverParsedAsync(
        string redisChannel, string channel, ParsedNotification parsed, long ordinal, int payloadBytes, WriteBatch? batch, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(redisChannel, parsed, payloadBytes);
        var delivered = await RouteAsync(channel, parsed.Frame, ordinal, batch, cancellationToken);
        batch?.Counted(parsed.Frame.Length, delivered);
        activity?.SetTag("nexus.gateway.recipients", delivered);
        _metrics.NotificationDelivered(delivered);
        Log.FannedOut(_logger, parsed.Event, channel, delivered);
        return delivered;
    }

    private ValueTask<int> RouteAsync(string channel, byte[] frame, long ordinal, WriteBatch? batch, CancellationToken cancellationToken)
    {
        var outgoing = new Outgoing(channel, frame, ordinal, ApproversOnly: false);
        if (channel.StartsWith(Channels.UserPrefix, StringComparison.Ordinal))
        {
            var userId = channel[Channels.UserPrefix.Length..];
            return ValueTask.FromResult(userId.Length == 0 ? 0 : Deliver(_registry.ForUser(userId), outgoing, batch));
        }

        if (channel.StartsWith(Channels.AgentPrefix, StringComparison.Ordinal))
        {
            return DeliverToSessionOwnerAsync(outgoing, batch, cancellationToken);
        }

        return DeliverToAllAsync(_registry.All, outgoing with { ApproversOnly = _restrictApprovals && channel == Channels.Approval }, batch);
    }

    private async ValueTask<int> DeliverToSessionOwnerAsync(Outgoing outgoing, WriteBatch? batch, CancellationToken cancellationToken)
    {
        var channel = outgoing.Channel;
        var sessionId = channel[Channels.AgentPrefix.Length..];
        if (sessionId.Length == 0)
        {
            return 0;
        }

        string? owner;
        try
        {
            owner = await _owners.GetOwnerAsync(sessionId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.OwnerLookupFailed(_logger, sessionId, ex);
            return 0;
        }

        if (owner is null)
        {
            Log.NoSessionOwner(_logger, sessionId);
            return 0;
        }

        return Deliver(_registry.ForUser(owner), outgoing, batch);
    }

    /// <summary>
    /// A large fan-out of a lone message is split in two: the second half goes to <see cref="FanoutLane"/> on another
    /// thread while this thread writes the first, which halves the time to the last socket (latency is what counts
    /// when nothing waits). A message of a backlog (<paramref name="batch"/> given) stays on one thread: there
    /// throughput counts, and one thread with one flush per socket per pass costs the least CPU (issue 5 measured
    /// 1.8 against 2.5 µs per delivery). Completes when every recipient has been handed the message.
    /// </summary>
    private ValueTask<int> DeliverToAllAsync(RegistrySnapshot recipients, Outgoing outgoing, WriteBatch? batch)
    {
        if (_lane is null || batch is not null || recipients.Slots < LaneThreshold)
        {
            return ValueTask.FromResult(Deliver(recipients, 0, recipients.Slots, outgoing, batch));
        }

        var half = recipients.Slots / 2;
        var second = _lane.Start(recipients, half, outgoing);
        var first = Deliver(recipients, 0, half, outgoing, batch: null);
        return second.IsCompletedSuccessfully ? ValueTask.FromResult(first + second.Result) : AddAsync(first, second);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> AddAsync(int first, ValueTask<int> second) => first + await second;

    /// <summary>Slots <paramref name="start"/> to <paramref name="end"/> of the registry, one segment at a time.</summary>
    internal static int Deliver(RegistrySnapshot recipients, int start, int end, in Outgoing outgoing, WriteBatch? batch)
    {
        var delivered = 0;
        for (var slot = start; slot < end;)
        {
            var segmentEnd = RegistrySnapshot.SegmentEnd(slot, end);
            delivered += Deliver(recipients.Range(slot, segmentEnd), outgoing, batch);
            slot = segmentEnd;
        }

        return delivered;
    }

    /// <summary>The hot loop: no allocation, no await; each recipient gets the same bytes. Empty slots are skipped.</summary>
    internal static int Deliver(ReadOnlySpan<IClientConnection?> recipients, in Outgoing outgoing, WriteBatch? batch)
    {
        var delivered = 0;
        foreach (var connection in recipients)
        {
            if (connection is null)
            {
                continue;
            }

            var client = connection.Client;
            if ((outgoing.ApproversOnly && !client.IsApprover) || !client.Filter.Allows(outgoing.Channel))
            {
                continue;
            }

            if (connection.SendNotification(outgoing.Frame, outgoing.Ordinal, outgoing.Channel, batch))
            {
                delivered++;
            }
        }

        return delivered;
    }

    private void Reject(string redisChannel, string reason, int payloadBytes)
    {
        _metrics.NotificationRejected(reason);
        if (_invalidLog.TryAcquire(out var suppressed))
        {
            Log.InvalidPayload(_logger, redisChannel, reason, payloadBytes, suppressed);
        }
    }

    /// <summary>
    /// A consumer span per notification (OpenTelemetry messaging conventions) that continues the publisher's trace
    /// when the payload carries a valid <c>traceparent</c>.
    /// </summary>
    private static Activity? StartActivity(string redisChannel, in ParsedNotification parsed, int payloadBytes)
    {
        if (!GatewayTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(parsed.TraceParent, null, out var parent);
        var activity = GatewayTelemetry.ActivitySource.StartActivity("process " + redisChannel, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.operation.name", "fanout");
            activity.SetTag("messaging.destination.name", redisChannel);
            activity.SetTag("messaging.message.body.size", payloadBytes);
            activity.SetTag("nexus.event", parsed.Event);
        }

        return activity;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.NotificationFannedOut, LogLevel.Trace, "Notification {Event} on {Channel} handed to {Recipients} connections.")]
        public static partial void FannedOut(ILogger logger, string @event, string channel, int recipients);

        [LoggerMessage(EventIds.InvalidPayload, LogLevel.Warning, "Notification on {RedisChannel} not forwarded: {Reason} ({PayloadBytes} bytes); {Suppressed} more invalid payloads since the previous warning.")]
        public static partial void InvalidPayload(ILogger logger, string redisChannel, string reason, int payloadBytes, int suppressed);

        [LoggerMessage(EventIds.NoSessionOwner, LogLevel.Debug, "Agent session {SessionId} has no record; its notification reaches nobody.")]
        public static partial void NoSessionOwner(ILogger logger, string sessionId);

        [LoggerMessage(EventIds.HistoryCaughtUp, LogLevel.Information, "Delivered {Count} durable notifications read from the history that the subscriber had missed.")]
        public static partial void CaughtUp(ILogger logger, int count);

        [LoggerMessage(EventIds.HistoryCatchUpFailed, LogLevel.Warning, "Could not read the history after {LastId} to deliver what the subscriber missed: {Reason}; clients can still resume.")]
        public static partial void CatchUpFailed(ILogger logger, string lastId, string reason);

        [LoggerMessage(EventIds.HistoryCatchUpIncomplete, LogLevel.Warning, "The history no longer holds every notification after {LastId} (the next kept is {NextId}): the missed ones older than the window are lost.")]
        public static partial void CatchUpIncomplete(ILogger logger, string lastId, string nextId);

        [LoggerMessage(EventIds.OwnerLookupFailed, LogLevel.Warning, "Could not read the owner of agent session {SessionId}; its notification reaches nobody.")]
        public static partial void OwnerLookupFailed(ILogger logger, string sessionId, Exception exception);
    }
}
