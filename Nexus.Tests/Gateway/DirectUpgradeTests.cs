using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Issue 5: upgrades accepted below Kestrel's HTTP layer, the endpoint still serving every other case, and writes
/// batched across a fan-out backlog. Real Kestrel, real sockets, real redis-server.
/// </summary>
public sealed class DirectUpgradeTests
{
    private const string DirectUpgrades = "nexus.gateway.upgrades.direct";

    [Fact]
    public async Task An_upgrade_as_the_first_request_is_accepted_directly_and_receives_notifications()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var raw = await RawHttpConnection.OpenAsync(host.HttpAddress);

        var response = await raw.UpgradeAsync("alice");

        Assert.StartsWith("HTTP/1.1 101", response, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response, StringComparison.Ordinal);
        Assert.Contains("X-Nexus-Gateway: ", response, StringComparison.Ordinal);
        Assert.Equal(1, host.Metrics.Sum(DirectUpgrades));
        await AssertReceivesAsync(host, raw.AsClientWebSocket(), "alice");
    }

    [Fact]
    public async Task An_upgrade_after_another_request_on_the_same_connection_is_served_by_the_endpoint()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var raw = await RawHttpConnection.OpenAsync(host.HttpAddress);

        Assert.StartsWith("HTTP/1.1 404", await raw.SendHeadAsync("GET /not-here HTTP/1.1\r\nHost: gateway\r\n\r\n"), StringComparison.Ordinal);
        var response = await raw.UpgradeAsync("bob");

        Assert.StartsWith("HTTP/1.1 101", response, StringComparison.Ordinal);
        Assert.Contains("X-Nexus-Gateway: ", response, StringComparison.Ordinal);
        Assert.Equal(0, host.Metrics.Sum(DirectUpgrades));
        await AssertReceivesAsync(host, raw.AsClientWebSocket(), "bob");
    }

    [Fact]
    public async Task With_DirectUpgrade_off_every_socket_goes_through_the_endpoint()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:DirectUpgrade"] = "false" });
        await using var client = await host.ConnectAsync("carol");

        await host.PublishAsync("global", """{"event":"through.endpoint"}""");

        await client.WaitForEventAsync("through.endpoint");
        Assert.Equal(0, host.Metrics.Sum(DirectUpgrades));
    }

    [Fact]
    public async Task A_refused_first_request_gets_the_endpoints_answer()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxConnectionsPerUser"] = "1" });
        await using var first = await host.ConnectAsync("dave");

        Assert.Equal(401, await host.UpgradeStatusAsync("user="));
        Assert.Equal(403, await host.UpgradeStatusAsync("user=dave2", origin: "http://elsewhere.example"));
        Assert.Equal(429, await host.UpgradeStatusAsync("user=dave"));
        Assert.Equal(1, host.Metrics.Sum(DirectUpgrades));
        Assert.Equal(1, host.Metrics.Sum("nexus.gateway.auth.failures"));
        Assert.Equal(1, host.Metrics.Sum("nexus.gateway.origin.refusals"));
    }

    [Fact]
    public async Task A_backlog_is_fanned_out_in_batches_and_every_client_gets_every_message_in_order()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        var clients = new List<TestClient>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await host.ConnectAsync($"batch-user-{i}"));
        }

        // Pipelined publishes reach the gateway faster than one message at a time: a backlog forms.
        const int Count = 3000;
        await using var publisher = await redis.ConnectAsync();
        var subscriber = publisher.GetSubscriber();
        var channel = RedisChannel.Literal("nexus:notify:global");
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => subscriber.PublishAsync(channel, $$$"""{"event":"burst","data":{"i":{{{i}}}}}""")));

        foreach (var client in clients)
        {
            await Wait.UntilAsync(() => client.Notifications.Count >= Count, "every message delivered");
            Assert.Equal(Enumerable.Range(0, Count), client.Notifications.Select(n => n.GetProperty("data").GetProperty("i").GetInt32()));
            await client.DisposeAsync();
        }

        Assert.True(host.Metrics.Sum("nexus.gateway.fanout.batched") > 0, "some notifications were fanned out in a batch");
    }

    [Fact]
    public async Task Frames_written_in_a_batch_leave_in_one_flush_when_the_batch_completes()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var transport = new BatchingTransport(toServer.Reader, toClient.Writer);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var writer = new SocketWriter(socket, 1024, transport);
        var batch = new WriteBatch();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("one"u8.ToArray(), batch));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("two"u8.ToArray(), batch));
        Assert.Equal(1, batch.OpenWriters);
        Assert.False(toClient.Reader.TryRead(out _), "nothing is flushed while the batch is open");

        batch.Complete();

        Assert.True(toClient.Reader.TryRead(out var flushed));
        byte[] expected = [0x81, 3, .. "one"u8, 0x81, 3, .. "two"u8];
        Assert.Equal(expected, System.Buffers.BuffersExtensions.ToArray(flushed.Buffer));
        toClient.Reader.AdvanceTo(flushed.Buffer.End);

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("three"u8.ToArray()));
        Assert.True(toClient.Reader.TryRead(out var unbatched), "without a batch a write is flushed at once");
        Assert.Equal(7, unbatched.Buffer.Length);
    }

    private static async Task AssertReceivesAsync(GatewayHost host, WebSocket socket, string user)
    {
        var registry = host.App.Services.GetRequiredService<ConnectionRegistry>();
        await Wait.UntilAsync(() => registry.CountForUser(user) == 1, "socket registered for the fan-out");
        await host.PublishAsync("global", """{"event":"direct.hello"}""");
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var result = await socket.ReceiveAsync(buffer, cts.Token);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
        Assert.Equal("notify", message.GetProperty("method").GetString());
        Assert.Equal("direct.hello", message.GetProperty("params").GetProperty("event").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }
}
