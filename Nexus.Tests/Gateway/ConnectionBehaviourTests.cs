using System.Net.WebSockets;
using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

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
    public async Task Shutdown_refuses_new_upgrades_with_503_and_unsubscribes_from_Redis_before_closing_any_socket()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(
            redis,
            new Dictionary<string, string?> { ["Gateway:ShutdownTimeout"] = "00:00:05" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var client = await host.ConnectAsync("stopping-user");

        // A frozen Redis holds the unsubscribe (on the fake clock, until the test moves it): the window in which the
        // gateway is stopping but has not unsubscribed yet stays open as long as the test needs.
        redis.Pause();
        Task stopping;
        try
        {
            stopping = host.StopAsync();
            await Wait.UntilAsync(() => host.Logs.Any(l => l.EventId.Id == 400), "shutdown started");

            Assert.Equal(503, await host.UpgradeStatusAsync("user=late"));
            Assert.False(client.Closed.IsCompleted, "a socket was closed before the gateway had unsubscribed from Redis");

            // Redis never confirms: at ShutdownTimeout the gateway gives up on it (403), and only then closes the sockets.
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.WaitForCloseAsync());
            Assert.Contains(host.Logs, l => l.EventId.Id == 403);
        }
        finally
        {
            redis.Resume();
        }

        await stopping.WaitAsync(GatewayHost.Timeout);
    }

    [Fact]
    public async Task At_ShutdownTimeout_a_socket_that_has_not_closed_is_aborted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(
            redis,
            new Dictionary<string, string?> { ["Gateway:ShutdownTimeout"] = "00:00:05", ["Gateway:CloseTimeout"] = "00:01:00" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var registry = host.App.Services.GetRequiredService<ConnectionRegistry>();
        await using var polite = await host.ConnectAsync("polite-user");
        using var stalled = await StalledClient.ConnectAsync(host.HttpAddress, "stalled-at-stop");
        await Wait.UntilAsync(() => registry.CountForUser("stalled-at-stop") == 1, "stalled client registered");

        var stopping = host.StopAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await polite.WaitForCloseAsync());

        // The stalled client never answers the 1001: nothing ends it before ShutdownTimeout, and it is aborted then.
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.False(stopping.IsCompleted, "shutdown ended before ShutdownTimeout with a socket still open");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await stopping.WaitAsync(GatewayHost.Timeout);

        // Aborted by its own close timer, armed with ShutdownTimeout: one close timed out (110), none left for 402.
        Assert.Single(host.Logs, l => l.EventId.Id == 110);
        Assert.DoesNotContain(host.Logs, l => l.EventId.Id == 402);
        Assert.Equal(0, registry.Count);
        Assert.Contains(host.Logs, l => l.EventId.Id == 401);
    }

    [Fact]
    public async Task The_server_pings_and_aborts_a_socket_that_never_answers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Gateway:KeepAliveInterval"] = "00:00:00.200",
            ["Gateway:KeepAliveTimeout"] = "00:00:01",
        });
        var registry = host.App.Services.GetRequiredService<ConnectionRegistry>();
        using var silent = await RawHttpConnection.OpenAsync(host.HttpAddress);
        Assert.StartsWith("HTTP/1.1 101", await silent.UpgradeAsync("silent-user"), StringComparison.Ordinal);
        await Wait.UntilAsync(() => registry.CountForUser("silent-user") == 1, "socket registered");

        // Ping frames (FIN + opcode 9), never answered with a pong; then the connection ends without a close frame.
        var pings = 0;
        while (await silent.ReadFrameAsync() is { } frame)
        {
            Assert.Equal(0x89, frame.First);
            pings++;
        }

        Assert.True(pings >= 1, "no ping before the abort");
        await Wait.UntilAsync(() => registry.CountForUser("silent-user") == 0, "aborted socket deregistered");
    }

    [Fact]
    public async Task A_new_connection_that_sends_nothing_gets_its_notifications_when_InitialHold_ends_in_order()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await StartWithHalfSecondHoldAsync(redis, time);
        await using var quiet = await host.ConnectAsync("quiet-user");
        await using var talker = await host.ConnectAsync("talker-user");
        // The talker's first message ends its hold; the quiet one's lasts until InitialHold on the gateway's clock.
        await talker.CallAsync("notify.subscribe", """{"channels":["global"]}""");

        await host.PublishAsync("global", """{"event":"first"}""");
        await host.PublishAsync("global", """{"event":"second"}""");
        await talker.WaitForEventAsync("second");
        Assert.Empty(quiet.Notifications);

        time.Advance(TimeSpan.FromMilliseconds(500));
        await quiet.WaitForEventAsync("second");
        Assert.Equal(["first", "second"], quiet.Notifications.Select(n => n.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_first_message_that_started_arriving_before_InitialHold_ended_keeps_the_hold_until_it_was_handled()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await StartWithHalfSecondHoldAsync(redis, time);
        await using var slow = await host.ConnectAsync("slow-user");
        await using var witness = await host.ConnectAsync("witness-user");
        await witness.CallAsync("notify.subscribe", """{"channels":["global"]}""");

        // A busy gateway, or a client far away: the first message (a resume, say) is still arriving when the hold runs out.
        await slow.SendTextFrameAsync("""{"jsonrpc":"2.0","id":"first","method":"notify.sub""", endOfMessage: false);
        await Wait.UntilAsync(() => host.Logs.Count(l => l.EventId.Name == "FirstMessageArriving") == 2, "the gateway saw the slow client's first message arriving (the witness's was the first)");
        time.Advance(TimeSpan.FromSeconds(1));
        await host.PublishAsync("global", """{"event":"live"}""");
        await witness.WaitForEventAsync("live");
        Assert.Empty(slow.Notifications);

        await slow.SendTextFrameAsync("""scribe","params":{"channels":["global"]}}""", endOfMessage: true);
        await slow.WaitForEventAsync("live");
        var messages = slow.Messages.ToList();
        var reply = messages.FindIndex(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == "first");
        var live = messages.FindIndex(m => m.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("event", out var e) && e.GetString() == "live");
        Assert.True(reply >= 0 && reply < live, $"the reply at {reply}, the held notification at {live}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_that_declared_resume_at_the_upgrade_is_held_for_its_first_message_up_to_ResumeHold(bool directUpgrade)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await StartWithHalfSecondHoldAsync(redis, time, new() { ["Gateway:ResumeHold"] = "00:00:10", ["Gateway:DirectUpgrade"] = directUpgrade ? "true" : "false" });
        await using var late = await host.ConnectAsync("late-user", () => TestClient.ConnectAsync(host.WebSocketUri("user=late-user&resume=1")));
        await using var silent = await host.ConnectAsync("silent-user", () => TestClient.ConnectAsync(host.WebSocketUri("user=silent-user&resume=1")));
        await using var undeclared = await host.ConnectAsync("plain-user", () => TestClient.ConnectAsync(host.WebSocketUri("user=plain-user&resume=yes")));
        await host.PublishAsync("global", """{"event":"live"}""");

        // Past InitialHold: only the connection that declared nothing (any value but 1) gets it.
        time.Advance(TimeSpan.FromSeconds(1));
        await undeclared.WaitForEventAsync("live");
        Assert.Empty(late.Notifications);
        Assert.Empty(silent.Notifications);

        // The late first message (a resume, in a client) ends its hold once handled: the reply comes first.
        await late.CallAsync("notify.subscribe", """{"channels":["global"]}""");
        await late.WaitForEventAsync("live");
        Assert.Empty(silent.Notifications);

        // One that declared it and sent nothing gets what was held when ResumeHold ends.
        time.Advance(TimeSpan.FromSeconds(9));
        await silent.WaitForEventAsync("live");
    }

    [Fact]
    public async Task Stalled_client_is_disconnected_as_slow_while_a_healthy_client_receives_everything()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Gateway:MaxQueuedBytes"] = "65536",
            // Long enough for the stalled client to start reading again and take its close frame.
            ["Gateway:CloseTimeout"] = "00:01:00",
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
        await Wait.UntilAsync(() => host.Metrics.Sum("nexus.gateway.slow_client_disconnects") >= 1, "slow client detected");

        // Reading again, the stalled client drains what was already on its way and then gets the close: 1013.
        Assert.Equal((WebSocketCloseStatus)1013, await stalled.ReadUntilCloseAsync());
        await Wait.UntilAsync(() => registry.CountForUser("stalled-user") == 0, "stalled client disconnected");
        Assert.Equal(1, host.Metrics.Sum("nexus.gateway.slow_client_disconnects"));
        Assert.False(healthy.Closed.IsCompleted, "the healthy client stayed connected");
    }

    /// <summary>A gateway whose initial hold is half a second on <paramref name="time"/>, the clock the test moves.</summary>
    private static Task<GatewayHost> StartWithHalfSecondHoldAsync(RedisServer redis, FakeTimeProvider time, Dictionary<string, string?>? settings = null)
        => GatewayHost.StartAsync(
            redis,
            new Dictionary<string, string?>(settings ?? []) { ["Gateway:InitialHold"] = "00:00:00.500" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
}
