using System.Text;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Gateway;

/// <summary>
/// docs/protocol.md section 1 (issue 11): a payload that is not valid UTF-8, strings included, is not forwarded. One such
/// PUBLISH used to reach every client of the channel as a text frame that is not UTF-8, and a WebSocket client fails the
/// whole connection on that (1007 in .NET, 1006/1007 in browsers and Node).
/// </summary>
public sealed class InvalidUtf8PublishTests
{
    private const string Rejected = "nexus.gateway.notifications.rejected";

    [Fact]
    public async Task A_publish_with_invalid_UTF8_in_a_string_reaches_nobody_disconnects_nobody_and_is_counted()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                clients.Add(await host.ConnectAsync($"utf8-{i}"));
            }

            // {"event":"bad","data":{"text":"caf<0xFF>"}}: valid JSON syntax, one byte that is no UTF-8.
            byte[] invalid = [.. """{"event":"bad","data":{"text":"caf"""u8, 0xFF, .. "\"}}"u8];
            await using var publisher = await redis.ConnectAsync();
            await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("nexus:notify:global"), invalid).WaitAsync(GatewayHost.Timeout);
            await host.PublishAsync("global", """{"event":"good","data":{"text":"café"}}""");

            foreach (var client in clients)
            {
                var good = await client.WaitForEventAsync("good");
                Assert.Equal("café", good.GetProperty("data").GetProperty("text").GetString());
            }

            Assert.All(clients, client =>
            {
                Assert.False(client.HasEvent("bad"));
                Assert.Null(client.CloseStatus);
                Assert.False(client.Closed.IsCompleted, "a client was disconnected");
            });
            Assert.Equal(1, host.Metrics.Sum(Rejected, "not_utf8"));
            Assert.Contains(host.Logs, l => l.EventId.Id == 201 && l.Message.Contains("not_utf8", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Invalid_UTF8_payloads_are_logged_at_most_once_per_interval()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("utf8-flood");
        await using var publisher = await redis.ConnectAsync();
        var subscriber = publisher.GetSubscriber();

        for (var i = 0; i < 20; i++)
        {
            byte[] invalid = [.. Encoding.ASCII.GetBytes($"{{\"event\":\"bad{i}\",\"data\":\""), 0xC0, 0xAF, .. "\"}"u8];
            await subscriber.PublishAsync(RedisChannel.Literal("nexus:notify:global"), invalid).WaitAsync(GatewayHost.Timeout);
        }

        await host.PublishAsync("global", """{"event":"after.flood"}""");
        await client.WaitForEventAsync("after.flood");

        Assert.Equal(20, host.Metrics.Sum(Rejected, "not_utf8"));
        Assert.Single(host.Logs, l => l.EventId.Id == 201);
        Assert.Null(client.CloseStatus);
    }
}
