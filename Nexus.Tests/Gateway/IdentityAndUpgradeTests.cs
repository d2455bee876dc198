using System.Net;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>docs/protocol.md section 5 at the upgrade: origin first (403), then identity (401); no socket in either case.</summary>
public sealed class IdentityAndUpgradeTests
{
    [Fact]
    public async Task Dev_user_is_refused_with_401_when_AllowDevUsers_is_false()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Auth:AllowDevUsers"] = "false" });

        Assert.Equal(401, await host.UpgradeStatusAsync("user=alice"));
    }

    [Fact]
    public async Task Upgrade_without_identity_is_refused_with_401_and_with_a_dev_user_it_opens()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);

        Assert.Equal(401, await host.UpgradeStatusAsync(""));
        Assert.Equal(401, await host.UpgradeStatusAsync("user="));
        Assert.Equal(101, await host.UpgradeStatusAsync("user=alice"));
    }

    [Fact]
    public async Task Disallowed_origin_is_refused_with_403_before_identity_and_no_origin_passes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:AllowedOrigins:0"] = "https://app.example" });

        Assert.Equal(403, await host.UpgradeStatusAsync("", origin: "https://evil.example"));
        Assert.Equal(403, await host.UpgradeStatusAsync("user=alice", origin: "https://evil.example"));
        Assert.Equal(101, await host.UpgradeStatusAsync("user=alice", origin: "https://app.example"));
        Assert.Equal(101, await host.UpgradeStatusAsync("user=alice"));
    }

    [Fact]
    public async Task Plain_http_request_to_ws_gets_400_with_a_reason()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var http = host.CreateHttpClient();

        var response = await http.GetAsync("/ws?user=alice");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_over_MaxConnectionsPerUser_are_refused_with_429()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxConnectionsPerUser"] = "1" });
        await using var first = await host.ConnectAsync("limited");

        Assert.Equal(429, await host.UpgradeStatusAsync("user=limited"));
        Assert.Equal(101, await host.UpgradeStatusAsync("user=someone-else"));
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_naming_the_key()
    {
        await using var redis = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:KeepAliveInterval"] = "00:02:00" }));

        Assert.Contains("Gateway:KeepAliveInterval", error.Message, StringComparison.Ordinal);
    }
}
