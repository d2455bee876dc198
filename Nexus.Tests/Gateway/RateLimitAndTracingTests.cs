using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

public sealed class RateLimitAndTracingTests
{
    [Fact]
    public async Task Messages_over_the_rate_limit_get_32004_echoing_their_id()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxRequestsPerSecond"] = "1" });
        await using var client = await host.ConnectAsync("rate-user");

        // Burst of 2 (twice the rate): the first two reach the dispatcher, the rest are refused.
        for (var i = 1; i <= 5; i++)
        {
            await client.SendTextAsync($$"""{"jsonrpc":"2.0","id":"r{{i}}","method":"nope"}""");
        }

        await Wait.UntilAsync(() => client.Messages.Count >= 5, "five answers");
        var codes = client.Messages.ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("error").GetProperty("code").GetInt32());
        Assert.NotEqual(-32004, codes["r1"]);
        Assert.Equal(-32004, codes["r5"]);
        Assert.True(codes.Values.Count(c => c == -32004) >= 2);
        Assert.True(host.Metrics.Sum("nexus.gateway.requests.rate_limited") >= 2);
    }

    [Fact]
    public async Task Fanout_span_continues_the_publishers_traceparent()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Nexus.Gateway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("trace-user");

        await host.PublishAsync("global", $$"""{"event":"traced","traceparent":"00-{{traceId}}-{{parentSpanId}}-01"}""");

        var notification = await client.WaitForEventAsync("traced");
        Assert.False(notification.TryGetProperty("traceparent", out _));
        await Wait.UntilAsync(() => !spans.IsEmpty, "fan-out span");
        var span = spans.Single();
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(parentSpanId, span.ParentSpanId);
        Assert.Equal("redis", span.GetTagItem("messaging.system"));
        Assert.Equal("nexus:notify:global", span.GetTagItem("messaging.destination.name"));
        Assert.Equal("traced", span.GetTagItem("nexus.event"));
        Assert.Equal(1, span.GetTagItem("nexus.gateway.recipients"));
    }

    [Theory]
    [InlineData("\"not-a-trace-context\"")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-and-far-too-long-to-be-one-at-all\"")]
    [InlineData("42")]
    public async Task An_invalid_traceparent_is_ignored_and_the_call_starts_its_own_trace(string traceParent)
    {
        var user = "trace-" + Guid.NewGuid().ToString("N");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Nexus.Gateway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "rpc notify.subscribe" && (string?)activity.GetTagItem("enduser.id") == user)
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync(user);

        await client.SendTextAsync($$"""{"jsonrpc":"2.0","id":7,"method":"notify.subscribe","params":{"channels":["global"]},"traceparent":{{traceParent}}}""");

        var reply = await client.WaitForMessageAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 7, "the reply");
        Assert.True(reply.TryGetProperty("result", out _), reply.GetRawText());
        await Wait.UntilAsync(() => !spans.IsEmpty, "the call's span");
        Assert.Equal(default, spans.Single().ParentSpanId);
    }
}
