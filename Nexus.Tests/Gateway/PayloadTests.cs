using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>docs/protocol.md sections 1 and 4.1: what is forwarded, what is refused, and the shape clients see.</summary>
public sealed class PayloadTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Rejected = "nexus.gateway.notifications.rejected";

    private GatewayHost Host => fixture.Host;

    public static TheoryData<string, string, string> InvalidPayloads => new()
    {
        { "not-json", "this is not json", "not_json" },
        { "not-object", """["event","x"]""", "not_object" },
        { "no-event", """{"data":1}""", "missing_event" },
        { "event-empty", """{"event":""}""", "invalid_event" },
        { "event-not-string", """{"event":42}""", "invalid_event" },
        { "event-too-long", $$"""{"event":"{{new string('e', 129)}}"}""", "invalid_event" },
        { "timestamp-string", """{"event":"x","timestamp":"1764345600000"}""", "invalid_timestamp" },
        { "timestamp-null", """{"event":"x","timestamp":null}""", "invalid_timestamp" },
        { "trailing-garbage", """{"event":"x"} extra""", "not_json" },
        { "too-large", $$"""{"event":"x","data":"{{new string('d', 70_000)}}"}""", "too_large" },
    };

    [Theory]
    [MemberData(nameof(InvalidPayloads))]
    public async Task Invalid_payload_is_skipped_counted_by_reason_and_the_next_valid_one_delivered(string name, string payload, string reason)
    {
        await using var client = await Host.ConnectAsync("invalid-" + name);
        var rejectedBefore = Host.Metrics.Sum(Rejected, reason);

        await Host.PublishAsync("global", payload);
        await Host.PublishAsync("global", $$"""{"event":"valid.after.{{name}}"}""");

        await client.WaitForEventAsync("valid.after." + name);
        // Counted under its own reason. (The warning, 201, is rate limited to one per 10 s across all reasons, so in a
        // class sharing one gateway it says nothing about this payload: InvalidUtf8PublishTests checks it on its own host.)
        await Wait.UntilAsync(() => Host.Metrics.Sum(Rejected, reason) >= rejectedBefore + 1, $"rejected metric with reason {reason}");
        Assert.DoesNotContain(client.Notifications, n => n.GetProperty("event").GetString() is "x" or "");
    }

    [Fact]
    public async Task Event_of_128_characters_is_valid()
    {
        await using var client = await Host.ConnectAsync("event-128");
        var name = new string('e', 128);

        await Host.PublishAsync("global", $$"""{"event":"{{name}}"}""");

        await client.WaitForEventAsync(name);
    }

    [Fact]
    public async Task Channel_comes_from_redis_data_passes_through_timestamp_kept_and_traceparent_dropped()
    {
        await using var client = await Host.ConnectAsync("shape-user");
        const string data = """{"sessionId":"s_1","nested":[1,2.5,"three",null,true,{"deep":{"x":"é\u00e9"}}],"big":12345678901234567890}""";

        await Host.PublishAsync("builds", $$"""
            {"channel":"liar","event":"shape.full","data":{{data}},"timestamp":1764345600000,
             "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","extra":"ignored"}
            """);

        var message = await client.WaitForMessageAsync(m => m.TryGetProperty("params", out var p) && p.GetProperty("event").GetString() == "shape.full", "shape.full");
        Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
        Assert.Equal("notify", message.GetProperty("method").GetString());
        Assert.False(message.TryGetProperty("id", out _));
        var parameters = message.GetProperty("params");
        Assert.Equal(["channel", "event", "data", "timestamp"], parameters.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("builds", parameters.GetProperty("channel").GetString());
        Assert.Equal(1764345600000, parameters.GetProperty("timestamp").GetInt64());
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(data).RootElement, parameters.GetProperty("data")));
        Assert.Equal("12345678901234567890", parameters.GetProperty("data").GetProperty("big").GetRawText());
    }

    [Fact]
    public async Task Missing_timestamp_is_filled_with_receive_time_and_missing_data_is_null()
    {
        await using var client = await Host.ConnectAsync("shape-defaults");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await Host.PublishAsync("global", """{"event":"shape.defaults"}""");

        var notification = await client.WaitForEventAsync("shape.defaults");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var timestamp = notification.GetProperty("timestamp").GetInt64();
        Assert.InRange(timestamp, before - 1000, after + 1000);
        Assert.Equal(JsonValueKind.Null, notification.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task Order_of_one_channel_is_kept_over_1000_messages()
    {
        await using var client = await Host.ConnectAsync("order-user");
        const int Count = 1000;

        for (var i = 0; i < Count; i++)
        {
            await Host.PublishAsync("ordered", $$"""{"event":"order.seq","data":{{i}}}""");
        }

        await Wait.UntilAsync(() => client.Notifications.Count(n => n.GetProperty("event").GetString() == "order.seq") >= Count, "1000 ordered messages");
        var sequence = client.Notifications.Where(n => n.GetProperty("event").GetString() == "order.seq").Select(n => n.GetProperty("data").GetInt32()).ToArray();
        Assert.Equal(Enumerable.Range(0, Count), sequence);
    }
}
