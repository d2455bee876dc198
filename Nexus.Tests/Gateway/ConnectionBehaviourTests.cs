using System.Net.WebSockets;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Nexus.Tests.Gateway;

/// <summary>docs/protocol.md section 3: the socket's close codes and the slow-client rule, against real sockets.</summary>
public sealed class ConnectionBehaviourTests
{
    [Fact]
    public async Task Binary_message_closes_with_1003()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("binary-user");

        await client.SendAsync([1, 2, 3], WebSocketMessageType.Binary);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await client.WaitForCloseAsync());
    }

    [Fact]
    public async Task Message_above_MaxMessageBytes_closes_with_1009_and_one_at_the_limit_is_answered()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxMessageBytes"] = "1000" });
        await using var client = await host.ConnectAsync("big-user");

        var atLimit = """{"jsonrpc":"2.0","id":1,"method":"x","params":{"p":""" + "\"" + new string('a', 1000 - 55) + "\"}}";
        Assert.Equal(1000, atLimit.Length);
        await client.SendTextAsync(atLimit);
        await client.WaitForMessageAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.Number, "answer to the message at the limit");

        await client.SendTextAsync(new string(' ', 1001));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.WaitForCloseAsync());
    }

    [Fact]
    public async Task Shutdown_closes_every_socket_with_1001()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var a = await host.ConnectAsync("shutdown-a");
        await using var b = await host.ConnectAsync("shutdown-b");

        await host.StopAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await a.WaitForCloseAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await b.WaitForCloseAsync());
        Assert.Contains(host.Logs, l => l.EventId.Id == 401);
        Assert.DoesNotContain(host.Logs, l => l.EventId.Id == 402);
    }

    [Fact]
    public async Task Once_shutdown_has_begun_new_upgrades_are_refused_with_503()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);

        host.App.Services.GetRequiredService<Nexus.WsGateway.Hosting.GatewayState>().StopAccepting();

        Assert.Equal(503, await host.UpgradeStatusAsync("user=late"));
    }

    [Fact]
    public async Task Stalled_client_is_disconnected_as_slow_while_a_healthy_client_receives_everything()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Gateway:MaxQueuedBytes"] = "65536",
            ["Gateway:CloseTimeout"] = "00:00:01",
        });
        await using var healthy = await host.ConnectAsync("healthy-user");
        using var stalled = await StalledClient.ConnectAsync(host.HttpAddress, "stalled-user");
        var registry = host.App.Services.GetRequiredService<ConnectionRegistry>();
        await Wait.UntilAsync(() => registry.CountForUser("stalled-user") == 1, "stalled client registered");

        const int Count = 3000;
        var padding = new string('p', 4000);
        for (var i = 0; i < Count; i++)
        {
            await host.PublishAsync("global", $$$"""{"event":"flood","data":{"i":{{{i}}},"pad":"{{{padding}}}"}}""");
            if (i % 4 == 3)
            {
                // Keep the healthy client within 8 messages (32 KB) of the publisher, under the 64 KB limit however
                // slow this machine is, so only the stalled client can be the slow one.
                var published = i + 1;
                await Wait.UntilAsync(() => healthy.Notifications.Count >= published - 8, "healthy client keeps up");
            }
        }

        await Wait.UntilAsync(() => healthy.Notifications.Count >= Count, "healthy client received every message");
        Assert.Equal(Enumerable.Range(0, Count), healthy.Notifications.Select(n => n.GetProperty("data").GetProperty("i").GetInt32()));
        await Wait.UntilAsync(() => registry.CountForUser("stalled-user") == 0, "stalled client disconnected");
        Assert.Equal(1, host.Metrics.Sum("nexus.gateway.slow_client_disconnects"));
        Assert.False(healthy.Closed.IsCompleted, "the healthy client stayed connected");
    }
}
