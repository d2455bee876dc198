using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly;
using StackExchange.Redis;

namespace Nexus.Contracts.Publishing;

/// <summary>
/// Publishes notification payloads (PROTOCOL.md section 1) on <c>nexus:notify:&lt;channel&gt;</c>.
/// One component for every publisher of Nexus: it adds <c>timestamp</c> and <c>traceparent</c>,
/// retries transient Redis errors, and gives up within a bounded time, returning <see langword="false"/>
/// instead of throwing, so a Redis outage can never stall or crash the caller (an agent loop).
/// </summary>
public sealed partial class NotificationPublisher
{
    /// <summary>Name of the <see cref="ActivitySource"/> of the producer spans.</summary>
    public const string ActivitySourceName = "Nexus.Publisher";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<NotificationPublisher> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline _pipeline;

    public NotificationPublisher(
        IConnectionMultiplexer redis,
        ILogger<NotificationPublisher> logger,
        TimeProvider timeProvider,
        NotificationPublisherOptions? options = null)
    {
        _redis = redis;
        _logger = logger;
        _timeProvider = timeProvider;
        _pipeline = PublishPipeline.Create(options ?? new NotificationPublisherOptions(), timeProvider);
    }

    /// <summary>Publishes <paramref name="data"/> serialised with a source-generated <paramref name="typeInfo"/>.</summary>
    public Task<bool> PublishAsync<T>(string channel, string @event, T data, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
        => PublishAsync(channel, @event, JsonSerializer.SerializeToElement(data, typeInfo), cancellationToken);

    /// <summary>Publishes <paramref name="data"/> serialised with the web defaults (camelCase) by reflection.</summary>
    public Task<bool> PublishAsync<T>(string channel, string @event, T data, CancellationToken cancellationToken = default)
        => PublishAsync(channel, @event, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web), cancellationToken);

    /// <summary>
    /// Publishes one notification. Returns <see langword="true"/> when Redis accepted it, <see langword="false"/>
    /// when every attempt failed or the overall time ran out (logged as a warning). Throws only when
    /// <paramref name="cancellationToken"/> is cancelled by the caller, or for a bad channel or event name.
    /// </summary>
    public async Task<bool> PublishAsync(string channel, string @event, JsonElement data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentException.ThrowIfNullOrEmpty(@event);

        var redisChannel = Channels.ToRedis(channel);
        using var activity = Source.StartActivity("publish " + channel, ActivityKind.Producer);
        if (activity is not null)
        {
            // OpenTelemetry messaging semantic conventions.
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "publish");
            activity.SetTag("messaging.destination.name", redisChannel);
            activity.SetTag("nexus.event", @event);
        }

        var payload = NotificationPayload.Build(channel, @event, data, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), Activity.Current);
        var subscriber = _redis.GetSubscriber();
        var target = RedisChannel.Literal(redisChannel);
        try
        {
            await _pipeline.ExecuteAsync(
                static async (state, token) => await state.subscriber.PublishAsync(state.target, state.payload).WaitAsync(token),
                (subscriber, target, payload),
                cancellationToken);
            Log.Published(_logger, @event, redisChannel);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Log.PublishFailed(_logger, @event, redisChannel, ex.GetType().Name, ex);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3900, LogLevel.Trace, "Published {Event} on {Channel}")]
        public static partial void Published(ILogger logger, string @event, string channel);

        [LoggerMessage(3901, LogLevel.Warning, "Could not publish {Event} on {Channel}, giving up: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string @event, string channel, string reason, Exception exception);
    }
}
