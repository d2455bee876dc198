using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Nexus.Contracts;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// One Redis message to its recipients: validate and serialise once, route (PROTOCOL.md section 2), apply each
/// client's filter, hand the same bytes to every recipient's writer. Never awaits a client; the only await is
/// the owner lookup of an <c>agent:</c> channel on a cache miss, which keeps the order of the single consumer.
/// Called by one consumer at a time (<see cref="FanoutWorker"/>).
/// </summary>
internal sealed partial class NotificationFanout : IDisposable
{
    private static readonly TimeSpan s_invalidLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>From this many recipients a fan-out is split over two threads (<see cref="FanoutLane"/>).</summary>
    internal const int LaneThreshold = 256;

    private readonly ConnectionRegistry _registry;
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
        ISessionOwnerLookup owners,
        GatewayMetrics metrics,
        TimeProvider time,
        IOptions<GatewayOptions> gatewayOptions,
        IOptions<AuthOptions> authOptions,
        ILogger<NotificationFanout> logger)
    {
        _registry = registry;
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

        using var activity = StartActivity(redisChannel, parsed, notification.Payload.Length);
        var delivered = await RouteAsync(channel, parsed.Frame, batch, cancellationToken);
        batch?.Counted(parsed.Frame.Length, delivered);
        activity?.SetTag("nexus.gateway.recipients", delivered);

        _metrics.NotificationDelivered(delivered);
        _metrics.FanoutCompleted(_time.GetElapsedTime(started).TotalMilliseconds);
        Log.FannedOut(_logger, parsed.Event, channel, delivered);
        return delivered;
    }

    private ValueTask<int> RouteAsync(string channel, byte[] frame, WriteBatch? batch, CancellationToken cancellationToken)
    {
        if (channel.StartsWith(Channels.UserPrefix, StringComparison.Ordinal))
        {
            var userId = channel[Channels.UserPrefix.Length..];
            return userId.Length == 0 ? ValueTask.FromResult(0) : DeliverAsync(_registry.ForUser(userId), channel, frame, approversOnly: false, batch);
        }

        if (channel.StartsWith(Channels.AgentPrefix, StringComparison.Ordinal))
        {
            return DeliverToSessionOwnerAsync(channel, frame, batch, cancellationToken);
        }

        var approversOnly = _restrictApprovals && channel == Channels.Approval;
        return DeliverAsync(_registry.All, channel, frame, approversOnly, batch);
    }

    private async ValueTask<int> DeliverToSessionOwnerAsync(string channel, byte[] frame, WriteBatch? batch, CancellationToken cancellationToken)
    {
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

        return await DeliverAsync(_registry.ForUser(owner), channel, frame, approversOnly: false, batch);
    }

    /// <summary>
    /// A large fan-out of a lone message is split in two: the second half goes to <see cref="FanoutLane"/> on another
    /// thread while this thread writes the first, which halves the time to the last socket (latency is what counts
    /// when nothing waits). A message of a backlog (<paramref name="batch"/> given) stays on one thread: there
    /// throughput counts, and one thread with one flush per socket per pass costs the least CPU (issue 5 measured
    /// 1.8 against 2.5 µs per delivery). Completes when every recipient has been handed the message.
    /// </summary>
    private ValueTask<int> DeliverAsync(IClientConnection[] recipients, string channel, ReadOnlyMemory<byte> frame, bool approversOnly, WriteBatch? batch)
    {
        if (_lane is null || batch is not null || recipients.Length < LaneThreshold)
        {
            return ValueTask.FromResult(Deliver(recipients, channel, frame, approversOnly, batch));
        }

        var half = recipients.Length / 2;
        var second = _lane.Start(recipients, half, channel, frame, approversOnly);
        var first = Deliver(recipients.AsSpan(0, half), channel, frame, approversOnly, batch: null);
        return second.IsCompletedSuccessfully ? ValueTask.FromResult(first + second.Result) : AddAsync(first, second);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> AddAsync(int first, ValueTask<int> second) => first + await second;

    /// <summary>The hot loop: no allocation, no await; each recipient gets the same bytes.</summary>
    internal static int Deliver(ReadOnlySpan<IClientConnection> recipients, string channel, ReadOnlyMemory<byte> frame, bool approversOnly, WriteBatch? batch)
    {
        var delivered = 0;
        foreach (var connection in recipients)
        {
            var client = connection.Client;
            if ((approversOnly && !client.IsApprover) || !client.Filter.Allows(channel))
            {
                continue;
            }

            if (connection.Send(frame, batch))
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

        [LoggerMessage(EventIds.OwnerLookupFailed, LogLevel.Warning, "Could not read the owner of agent session {SessionId}; its notification reaches nobody.")]
        public static partial void OwnerLookupFailed(ILogger logger, string sessionId, Exception exception);
    }
}
