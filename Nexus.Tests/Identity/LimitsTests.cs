using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>Abuse limits of issue 4 item 6 and token lifetime (item 5), on real sockets.</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task A_client_over_the_rate_limit_for_ten_seconds_is_closed_with_1008()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(
            redis,
            new Dictionary<string, string?> { ["Gateway:MaxRequestsPerSecond"] = "1" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var flooder = await host.ConnectAsync("flooder");
        await using var bystander = await host.ConnectAsync("bystander");

        // Two messages every half second against a refill of one per second: rejections never pause for a second.
        var sent = 0;
        for (var step = 0; step < 40 && flooder.CloseStatus is null && !flooder.Closed.IsCompleted; step++)
        {
            for (var i = 0; i < 2 && !flooder.Closed.IsCompleted; i++)
            {
                await flooder.SendTextAsync($$"""{"jsonrpc":"2.0","id":{{++sent}},"method":"nope"}""");
            }

            await Wait.UntilAsync(() => flooder.Messages.Count >= sent || flooder.Closed.IsCompleted, "answers to this step");
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await flooder.WaitForCloseAsync());
        Assert.Contains(flooder.Messages, m => m.TryGetProperty("error", out var e) && e.GetProperty("code").GetInt32() == -32004);

        // Nobody else is affected.
        await host.PublishAsync("global", """{"event":"still-here"}""");
        await bystander.WaitForEventAsync("still-here");
    }

    [Fact]
    public async Task Simultaneous_upgrades_of_one_user_never_exceed_MaxConnectionsPerUser()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxConnectionsPerUser"] = "3" });

        var sockets = Enumerable.Range(0, 12).Select(_ => new ClientWebSocket()).ToArray();
        try
        {
            using var cts = new CancellationTokenSource(GatewayHost.Timeout);
            var attempts = sockets.Select(async s =>
            {
                s.Options.CollectHttpResponseDetails = true;
                try
                {
                    await s.ConnectAsync(host.WebSocketUri("user=greedy"), cts.Token);
                }
                catch (WebSocketException)
                {
                    // Refused: the status says why.
                }

                return (int)s.HttpStatusCode;
            });
            var statuses = await Task.WhenAll(attempts);

            Assert.Equal(3, statuses.Count(s => s == 101));
            Assert.Equal(9, statuses.Count(s => s == 429));
            Assert.Equal(3, host.OpenConnections());

            // A slot comes back when a connection ends.
            var open = sockets.First(s => s.State == WebSocketState.Open);
            await open.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            await Wait.UntilAsync(() => host.OpenConnections() == 2, "the closed connection to leave");
            Assert.Equal(101, await host.UpgradeStatusAsync("user=greedy"));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_socket_is_closed_with_1008_when_its_token_expires()
    {
        // The handler checks a token against the real clock at the upgrade; the expiry timer runs on the gateway's
        // TimeProvider, so tokens valid for minutes are enough and the test moves the gateway's clock past them.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, Tokens.Settings(), configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var shortLived = await host.ConnectAsync(
            "brief", () => TestClient.ConnectAsync(host.WebSocketUri("access_token=" + Tokens.Create("brief", lifetime: TimeSpan.FromMinutes(10)))));
        await using var longLived = await host.ConnectAsync(
            "lasting", () => TestClient.ConnectAsync(host.WebSocketUri("access_token=" + Tokens.Create("lasting", lifetime: TimeSpan.FromHours(2)))));
        await using var devUser = await host.ConnectAsync("dev-user");

        time.Advance(TimeSpan.FromMinutes(12));

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await shortLived.WaitForCloseAsync());
        Assert.Equal("token expired", shortLived.CloseDescription);

        await host.PublishAsync("global", """{"event":"after-expiry"}""");
        await longLived.WaitForEventAsync("after-expiry");
        await devUser.WaitForEventAsync("after-expiry");
    }

    [Fact]
    public async Task Oversized_messages_are_closed_with_1009_and_limits_are_validated_at_start_up()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxMessageBytes"] = "1024" });
        await using var client = await host.ConnectAsync("big-sender");

        await client.SendTextAsync("""{"jsonrpc":"2.0","id":1,"method":"nope","params":{"x":" """ + new string('a', 2000) + "\"}}");

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.WaitForCloseAsync());
        foreach (var (key, value) in new[] { ("Gateway:MaxQueuedBytes", "0"), ("Gateway:MaxConnectionsPerUser", "0"), ("Gateway:MaxMessageBytes", "-1"), ("Auth:ClockSkew", "01:00:00") })
        {
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
                () => GatewayHost.StartAsync(redis, new Dictionary<string, string?> { [key] = value }));
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }
    }
}
