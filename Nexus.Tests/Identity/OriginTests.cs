using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>Cross-site WebSocket hijacking: only listed or same-origin pages may open a socket; 403 before identity.</summary>
public sealed class OriginTests
{
    [Fact]
    public async Task With_no_list_only_same_origin_pages_and_non_browsers_pass()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        var self = $"http://{host.HttpAddress.Authority}";

        Assert.Equal(403, await Upgrade.StatusAsync(host.WebSocketUri("user=a"), new Dictionary<string, string> { ["Origin"] = "https://evil.example" }));
        Assert.Equal(403, await Upgrade.StatusAsync(host.WebSocketUri("user=a"), new Dictionary<string, string> { ["Origin"] = $"https://{host.HttpAddress.Authority}" }));
        Assert.Equal(403, await Upgrade.StatusAsync(host.WebSocketUri("user=a"), new Dictionary<string, string> { ["Origin"] = "null" }));
        Assert.Equal(0, host.OpenConnections());
        Assert.Equal(101, await Upgrade.StatusAsync(host.WebSocketUri("user=a"), new Dictionary<string, string> { ["Origin"] = self }));
        Assert.Equal(101, await Upgrade.StatusAsync(host.WebSocketUri("user=a")));
        Assert.True(host.Metrics.Sum("nexus.gateway.origin.refusals") >= 3);
    }

    [Fact]
    public async Task Behind_a_proxy_the_forwarded_host_is_the_same_origin_and_listed_origins_pass()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:AllowedOrigins:0"] = "https://console.example" });
        var forwarded = new Dictionary<string, string>
        {
            ["Origin"] = "http://localhost:5080",
            ["X-Forwarded-Host"] = "localhost:5080",
            ["X-Forwarded-Proto"] = "http",
        };

        Assert.Equal(101, await Upgrade.StatusAsync(host.WebSocketUri("user=b"), forwarded));
        Assert.Equal(101, await Upgrade.StatusAsync(host.WebSocketUri("user=b"), new Dictionary<string, string> { ["Origin"] = "https://console.example" }));
        Assert.Equal(403, await Upgrade.StatusAsync(host.WebSocketUri("user=b"), new Dictionary<string, string> { ["Origin"] = "http://localhost:5080" }));
        Assert.Equal(403, await Upgrade.StatusAsync(host.WebSocketUri(""), new Dictionary<string, string> { ["Origin"] = "https://evil.example" }));
    }
}
