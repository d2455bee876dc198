using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Contracts.History;
using Polly;
using StackExchange.Redis;

namespace Nexus.Contracts.Publishing;

/// <summary>
/// Publishes notification payloads (docs/protocol.md section 1) durably: <c>FCALL nexus_publish</c> appends each to the
/// history and publishes it on <c>nexus:notify:&lt;channel&gt;</c> in one step, with its id (section 1.1).
/// One component for every publisher of Nexus: it adds <c>timestamp</c> and <c>traceparent</c>,
/// retries transient Redis errors, and gives up within a bounded time, returning <see langword="null"/>
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
    private readonly HistoryFunctionLoader _library;

    /// <summary><paramref name="library"/> loads the function library again when Redis lost it; by default one with the default settings.</summary>
    public NotificationPublisher(
        IConnectionMultiplexer redis,
        ILogger<NotificationPublisher> logger,
        TimeProvider timeProvider,
        NotificationPublisherOptions? options = null,
        HistoryFunctionLoader? library = null)
    {
        _redis = redis;
        _logger = logger;
        _timeProvider = timeProvider;
        _pipeline = PublishPipeline.Create(options ?? new NotificationPublisherOptions(), timeProvider);
        _library = library ?? new HistoryFunctionLoader(redis, Options.Create(new HistoryOptions()), NullLogger<HistoryFunctionLoader>.Instance);
    }

    /// <summary>Publishes <paramref name="data"/> serialised with a source-generated <paramref name="typeInfo"/>.</summary>
    public Task<string?> PublishAsync<T>(string channel, string @event, T data, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
        => PublishAsync(channel, @event, JsonSerializer.SerializeToElement(data, typeInfo), cancellationToken);

    /// <summary>Publishes <paramref name="data"/> serialised with the web defaults (camelCase) by reflection.</summary>
    public Task<string?> PublishAsync<T>(string channel, string @event, T data, CancellationToken cancellationToken = default)
        => PublishAsync(channel, @event, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web), cancellationToken);

    /// <summary>
    /// Publishes one notification durably. Returns its id when Redis took it, <see langword="null"/> when every attempt
    /// failed or the overall time ran out (logged as a warning). Throws only when <paramref name="cancellationToken"/>
    /// is cancelled by the caller, or for a bad channel or event name.
    /// </summary>
    public async Task<string?> PublishAsync(string channel, string @event, JsonElement data, CancellationToken cancellationToken = default)
        => (await PublishCoreAsync(channel, @event, data, null, cancellationToken)).Id;

    /// <summary>
    /// Publishes <paramref name="data"/> durably only while <paramref name="fence"/> still holds the session's lease
    /// (<c>FCALL nexus_publish_fenced</c>, issue 13): a runner that lost the lease publishes nothing for the session.
    /// Like <see cref="PublishAsync(string, string, JsonElement, CancellationToken)"/> it never throws for Redis failures.
    /// </summary>
    public Task<FencedPublishResult> PublishFencedAsync<T>(string channel, string @event, T data, JsonTypeInfo<T> typeInfo, Fence fence, CancellationToken cancellationToken = default)
        => PublishCoreAsync(channel, @event, JsonSerializer.SerializeToElement(data, typeInfo), fence, cancellationToken);

    private async Task<FencedPublishResult> PublishCoreAsync(string channel, string @event, JsonElement data, Fence? fence, CancellationToken cancellationToken)
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
        try
        {
            var id = await _pipeline.ExecuteAsync(
                static async (state, token) => await state.self.CallAsync(state.channel, state.payload, state.fence).WaitAsync(token),
                (self: this, channel, payload, fence),
                cancellationToken);
            if (id is null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, "fenced out");
                Log.FencedOut(_logger, @event, redisChannel, fence!.Value.LeaseKey, fence.Value.Number);
                return new FencedPublishResult(null, FencedOut: true);
            }

            activity?.SetTag("messaging.message.id", id);
            Log.Published(_logger, @event, redisChannel, id);
            return new FencedPublishResult(id, FencedOut: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Log.PublishFailed(_logger, @event, redisChannel, ex.GetType().Name, ex);
            return default;
        }
    }

    /// <summary>The id, or null when a fenced publish was refused.</summary>
    private async Task<string?> CallAsync(string channel, byte[] payload, Fence? fence)
    {
        var db = _redis.GetDatabase();
        try
        {
            return await CallOnceAsync(db, channel, payload, fence);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("Function not found", StringComparison.OrdinalIgnoreCase))
        {
            // Redis restarted without its data (or was never told): load the library and try once more.
            await _library.LoadAsync();
            return await CallOnceAsync(db, channel, payload, fence);
        }
    }

    private static async Task<string?> CallOnceAsync(IDatabase db, string channel, byte[] payload, Fence? fence)
    {
        var reply = fence is { } f
            ? await db.ExecuteAsync("FCALL", HistoryLibrary.PublishFencedFunction, 1, f.LeaseKey, channel, payload, f.Number)
            : await db.ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, channel, payload);
        return reply.IsNull ? null : (string)reply!;
    }

    private static partial class Log
    {
        [LoggerMessage(3900, LogLevel.Trace, "Published {Event} on {Channel} as {Id}")]
        public static partial void Published(ILogger logger, string @event, string channel, string id);

        [LoggerMessage(3901, LogLevel.Warning, "Could not publish {Event} on {Channel}, giving up: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string @event, string channel, string reason, Exception exception);

        [LoggerMessage(3902, LogLevel.Information, "Did not publish {Event} on {Channel}: the lease {LeaseKey} no longer holds fence {Fence}")]
        public static partial void FencedOut(ILogger logger, string @event, string channel, string leaseKey, long fence);
    }
}
