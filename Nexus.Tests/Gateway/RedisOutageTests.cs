using System.Net;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>Issue 2 item 5: a Redis outage is survived, reported by /health, logged, and the subscription comes back.</summary>
public sealed class RedisOutageTests
{
    private static readonly TimeSpan s_outageTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Redis_restart_is_survived_health_reports_it_and_notifications_flow_again()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        host.AllowedErrorCategories.Add("StackExchange.Redis");
        using var http = host.CreateHttpClient();
        await using var client = await host.ConnectAsync("outage-user");
        await host.PublishAsync("global", """{"event":"before.outage"}""");
        await client.WaitForEventAsync("before.outage");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        await redis.StopAsync();

        await Wait.UntilAsync(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable, "/health unhealthy while Redis is down", s_outageTimeout);
        await Wait.UntilAsync(() => host.Logs.Any(l => l.EventId.Id == 302), "connection-failed warning", s_outageTimeout);

        await redis.RestartAsync();

        await Wait.UntilAsync(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK, "/health healthy again", s_outageTimeout);
        await Wait.UntilAsync(() => host.Logs.Any(l => l.EventId.Id == 303), "connection-restored log", s_outageTimeout);

        // The re-subscription may land just after the connection is restored: publish until someone listens.
        await Wait.UntilAsync(() => TryPublishAsync(host, """{"event":"after.outage"}"""), "gateway subscribed again", s_outageTimeout);
        await client.WaitForEventAsync("after.outage");
        Assert.False(client.Closed.IsCompleted, "the client stayed connected through the outage");
    }

    /// <summary>True once a subscriber received it; the publisher's own connection may still be reconnecting.</summary>
    private static async Task<bool> TryPublishAsync(GatewayHost host, string payload)
    {
        try
        {
            return await host.PublishAsync("global", payload) > 0;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return false;
        }
    }
}
