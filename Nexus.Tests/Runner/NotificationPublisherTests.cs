using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nexus.Contracts.Publishing;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

public sealed class NotificationPublisherTests
{
    [Fact]
    public async Task Payload_has_channel_event_data_timestamp_and_the_producer_spans_traceparent()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == NotificationPublisher.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var publisher = new NotificationPublisher(connection, NullLogger<NotificationPublisher>.Instance, TimeProvider.System);

        using var parent = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var id = await publisher.PublishAsync("user:alice", "custom.event", new { sessionId = "s_pub", count = 2 });

        Assert.NotNull(id);
        var seen = await events.WaitForAsync(n => n.SessionId == "s_pub", "the published notification");
        // Durable: the id the publisher got is the one subscribers see (docs/protocol.md section 1.1).
        Assert.Equal(id, seen.Payload.GetProperty("id").GetString());
        Assert.Equal("nexus:notify:user:alice", seen.RedisChannel);
        Assert.Equal("user:alice", seen.Channel);
        Assert.Equal("custom.event", seen.Event);
        Assert.Equal(2, seen.Data.GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.Number, seen.Payload.GetProperty("timestamp").ValueKind);
        var traceparent = seen.Payload.GetProperty("traceparent").GetString()!;
        Assert.StartsWith($"00-{parent.TraceId}-", traceparent, StringComparison.Ordinal);
        Assert.DoesNotContain(parent.SpanId.ToString(), traceparent, StringComparison.Ordinal); // the producer span's id, not the parent's
    }

    [Fact]
    public async Task Publishing_to_a_dead_redis_gives_up_within_the_bound_and_returns_null()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        await redis.StopAsync();
        // Retries alone (nine waits from 500 ms, doubling) would take far longer than the 2 s bound. The publisher's
        // clock is fake: the test moves it, and never past the bound, so only the bound can end the publish.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bound = TimeSpan.FromSeconds(2);
        var publisher = new NotificationPublisher(connection, NullLogger<NotificationPublisher>.Instance, time,
            new NotificationPublisherOptions { TotalTimeout = bound, MaxAttempts = 10, RetryDelay = TimeSpan.FromMilliseconds(500) });

        var publishing = publisher.PublishAsync("global", "agent.started", JsonDocument.Parse("{}").RootElement);
        var advanced = TimeSpan.Zero;
        await Wait.UntilAsync(
            () =>
            {
                if (!publishing.IsCompleted && advanced < bound)
                {
                    time.Advance(TimeSpan.FromMilliseconds(100));
                    advanced += TimeSpan.FromMilliseconds(100);
                }

                return publishing.IsCompleted;
            },
            "the publish to give up");

        Assert.Null(await publishing);
    }
}
