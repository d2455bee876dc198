using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using StackExchange.Redis;

namespace Nexus.Tests.App;

/// <summary>Issue 2, "done when": a client connected through the front door receives an event published to Redis.</summary>
[Collection(NexusAppCollection.Name)]
public sealed class FrontDoorWebSocketTests(NexusAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_client_connects_through_the_proxy_as_a_development_user()
    {
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(fixture.WebSocketUri("user=alice"), timeout.Token);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [Fact]
    public async Task A_publish_on_the_global_channel_reaches_the_client_as_a_notify()
    {
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(fixture.WebSocketUri("user=alice"), timeout.Token);

        var connectionString = await fixture.App.GetConnectionStringAsync("redis", timeout.Token);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!);
        var subscriber = redis.GetSubscriber();
        var channel = RedisChannel.Literal("nexus:notify:global");

        // The socket is open once the gateway has accepted it; publish until someone listens on the pattern, so the
        // test does not race the gateway's PSUBSCRIBE.
        var marker = Guid.NewGuid().ToString("N");
        var payload = $$$"""{"event":"app.test","data":{"marker":"{{{marker}}}"}}""";
        var receive = ReceiveNotifyAsync(socket, marker, timeout.Token);
        while (!receive.IsCompleted)
        {
            await subscriber.PublishAsync(channel, payload);
            await Task.WhenAny(receive, Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token));
        }

        using var notify = await receive;
        var root = notify.RootElement;
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        Assert.Equal("notify", root.GetProperty("method").GetString());
        Assert.False(root.TryGetProperty("id", out _));
        var parameters = root.GetProperty("params");
        Assert.Equal("global", parameters.GetProperty("channel").GetString());
        Assert.Equal("app.test", parameters.GetProperty("event").GetString());
        Assert.Equal(marker, parameters.GetProperty("data").GetProperty("marker").GetString());
        Assert.Equal(JsonValueKind.Number, parameters.GetProperty("timestamp").ValueKind);
    }

    private static async Task<JsonDocument> ReceiveNotifyAsync(ClientWebSocket socket, string marker, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"The gateway closed the socket: {result.CloseStatus} {result.CloseStatusDescription}");
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var text = Encoding.UTF8.GetString(message.ToArray());
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                return JsonDocument.Parse(text);
            }
        }
    }
}
