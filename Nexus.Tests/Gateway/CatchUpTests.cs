using Nexus.Contracts.History;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>
/// docs/protocol.md section 1.1, issue 12 item 4: a gateway whose subscriber connection is cut on the Redis side reads
/// what it missed from the history when it is back, and its connected clients see every durable notification, in order.
/// </summary>
public sealed class CatchUpTests
{
    [Fact]
    public async Task A_connected_client_receives_all_30_notifications_in_order_when_the_subscriber_is_killed_meanwhile()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var db = connection.GetDatabase();
        await using var gateway = await GatewayHost.StartAsync(redis);
        gateway.AllowedErrorCategories.Add("StackExchange.Redis");
        await using var client = await gateway.ConnectAsync("alice");
        await client.CallAsync("notify.subscribe", """{"channels":["global"]}""");

        var published = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            published.Add((string)(await db.ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, "global", $$"""{"event":"n","data":{{i}}}"""))!);
            if (i == 5)
            {
                // Cut the gateway's subscription (and only that): what is published next reaches it through the history.
                var killed = (long)await db.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
                Assert.True(killed >= 1, "the gateway's subscriber connection was killed");
            }
        }

        await Wait.UntilAsync(() => client.Notifications.Count >= 30, "all 30 notifications", TimeSpan.FromSeconds(30));
        Assert.Equal(published, client.Notifications.Select(n => n.GetProperty("id").GetString()));
        Assert.True(gateway.Metrics.Sum("nexus.gateway.history.caught_up") >= 1, "some came from the history");
    }
}
