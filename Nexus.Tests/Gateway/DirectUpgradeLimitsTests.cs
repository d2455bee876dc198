using System.Diagnostics;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Issue 11 item 6: the direct upgrade path has the limits of Kestrel's HTTP layer. A head may arrive in any number of
/// reads; a head that does not arrive is not waited for past <c>Gateway:UpgradeHeadTimeout</c> nor past shutdown;
/// Kestrel's header count and ASP.NET Core's host filtering give the answers they give on the endpoint path.
/// Real Kestrel, real sockets.
/// </summary>
public sealed class DirectUpgradeLimitsTests
{
    private const string DirectUpgrades = "nexus.gateway.upgrades.direct";
    private const string HeadsAbandoned = "nexus.gateway.upgrades.head_abandoned";
    private const string KestrelConnections = "kestrel.active_connections";

    [Fact]
    public async Task An_upgrade_head_sent_byte_by_byte_is_accepted_directly()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var raw = await RawHttpConnection.OpenAsync(host.HttpAddress);

        foreach (var c in RawHttpConnection.UpgradeHead("bytewise"))
        {
            await raw.SendAsync(c.ToString());
        }

        Assert.StartsWith("HTTP/1.1 101", await raw.ReadResponseHeadAsync(), StringComparison.Ordinal);
        Assert.Equal(1, host.Metrics.Sum(DirectUpgrades));
    }

    [Fact]
    public async Task An_upgrade_head_split_right_after_the_request_line_is_accepted_directly()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var raw = await RawHttpConnection.OpenAsync(host.HttpAddress);
        var head = RawHttpConnection.UpgradeHead("split");
        var requestLineEnd = head.IndexOf("\r\n", StringComparison.Ordinal) + 2;

        await raw.SendAsync(head[..requestLineEnd]);
        // The first part is being held: the connection is open and nothing was answered yet.
        await Wait.UntilAsync(() => host.Metrics.Sum(KestrelConnections) == 1, "the connection to be accepted");
        await raw.SendAsync(head[requestLineEnd..]);

        Assert.StartsWith("HTTP/1.1 101", await raw.ReadResponseHeadAsync(), StringComparison.Ordinal);
        Assert.Equal(1, host.Metrics.Sum(DirectUpgrades));
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET /ws?user=slow HTTP/1.1\r\nHost: gateway\r\nUpgr")]
    public async Task A_connection_without_a_complete_head_is_closed_at_the_head_timeout(string partialHead)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:UpgradeHeadTimeout"] = "00:00:01" });
        using var raw = await RawHttpConnection.OpenAsync(host.HttpAddress);
        await raw.SendAsync(partialHead);
        var stopwatch = Stopwatch.StartNew();

        // Kestrel alone would wait 130 s for a first byte, then 30 s for the headers.
        Assert.True(await raw.WaitForServerCloseAsync(TimeSpan.FromSeconds(15)), "the connection is still open");

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.5), $"closed after {stopwatch.Elapsed}, before the timeout");
        Assert.Equal(1, host.Metrics.Sum(HeadsAbandoned, "timeout"));
        Assert.Equal(0, host.Metrics.Sum(DirectUpgrades));
    }

    [Fact]
    public async Task Shutdown_closes_a_connection_waiting_for_its_head_instead_of_waiting_for_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:UpgradeHeadTimeout"] = "00:01:00" });
        using var silent = await RawHttpConnection.OpenAsync(host.HttpAddress);
        using var halfHead = await RawHttpConnection.OpenAsync(host.HttpAddress);
        await halfHead.SendAsync("GET /ws?user=half HTTP/1.1\r\nHost: gat");
        await Wait.UntilAsync(() => host.Metrics.Sum(KestrelConnections) == 2, "both connections accepted");

        var stopwatch = Stopwatch.StartNew();
        await host.StopAsync();
        stopwatch.Stop();

        // Closed by the shutdown, not by the 60 s timeout; before, Kestrel waited for such connections until the host's
        // stop token ran out (20 s here), then aborted them.
        Assert.True(await silent.WaitForServerCloseAsync(TimeSpan.FromSeconds(5)), "the silent connection is still open");
        Assert.True(await halfHead.WaitForServerCloseAsync(TimeSpan.FromSeconds(5)), "the half-head connection is still open");
        Assert.Equal(2, host.Metrics.Sum(HeadsAbandoned, "shutdown"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_head_of_100_header_lines_is_accepted_directly_and_one_of_101_gets_Kestrels_431()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        // The upgrade head has 5 header lines of its own.
        using var hundred = await RawHttpConnection.OpenAsync(host.HttpAddress);
        using var hundredAndOne = await RawHttpConnection.OpenAsync(host.HttpAddress);

        var accepted = await hundred.SendHeadAsync(RawHttpConnection.UpgradeHead("hundred", extraHeaders: ExtraHeaders(95)));
        var refused = await hundredAndOne.SendHeadAsync(RawHttpConnection.UpgradeHead("hundred-one", extraHeaders: ExtraHeaders(96)));

        Assert.StartsWith("HTTP/1.1 101", accepted, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 431", refused, StringComparison.Ordinal);
        Assert.Equal(1, host.Metrics.Sum(DirectUpgrades));
    }

    [Fact]
    public async Task A_Host_outside_AllowedHosts_gets_the_same_400_as_on_the_endpoint_path()
    {
        await using var redis = await RedisServer.StartAsync();
        var allowed = new Dictionary<string, string?> { ["AllowedHosts"] = "gateway;*.nexus.example" };
        await using var direct = await GatewayHost.StartAsync(redis, allowed);
        await using var endpointOnly = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>(allowed) { ["Gateway:DirectUpgrade"] = "false" });

        var directAnswers = new List<string>();
        var endpointAnswers = new List<string>();
        foreach (var host in new[] { "evil.example", "gateway.evil.example", "", "ws.nexus.example", "gateway" })
        {
            directAnswers.Add(await StatusLineAsync(direct, host));
            endpointAnswers.Add(await StatusLineAsync(endpointOnly, host));
        }

        Assert.Equal(endpointAnswers, directAnswers);
        Assert.Equal(["HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 101 Switching Protocols"], directAnswers);
        // The refused ones were left to the endpoint's pipeline; the empty Host (allowed by AllowEmptyHosts) and the
        // two allowed names were taken directly.
        Assert.Equal(3, direct.Metrics.Sum(DirectUpgrades));
        Assert.Equal(0, endpointOnly.Metrics.Sum(DirectUpgrades));
    }

    private static async Task<string> StatusLineAsync(GatewayHost gateway, string host)
    {
        using var raw = await RawHttpConnection.OpenAsync(gateway.HttpAddress);
        var response = await raw.SendHeadAsync(RawHttpConnection.UpgradeHead("host-" + Guid.NewGuid().ToString("N")[..8], host));
        return response[..response.IndexOf("\r\n", StringComparison.Ordinal)];
    }

    private static string ExtraHeaders(int count)
        => string.Concat(Enumerable.Range(0, count).Select(i => $"X-Extra-{i}: {i}\r\n"));
}
