using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Tests.Agents;
using Nexus.Tests.Gateway.Infrastructure;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 15 item 2: the dashboard as a control panel. The command and the link are exercised the way the dashboard
/// uses them: the command through the AppHost's <see cref="ResourceCommandService"/>, the link from the resource's
/// published URLs.
/// </summary>
[Collection(NexusAppCollection.Name)]
public sealed class DashboardTests(NexusAppFixture fixture)
{
    private const string Command = "publish-test-notification";
    private const string TestEvent = "nexus.test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_gateway_command_publishes_a_test_notification_that_a_connected_client_receives()
    {
        var user = $"dashboard-{Guid.NewGuid().ToString("N")[..8]}";
        await using var client = await TestClient.ConnectAsync(fixture.WebSocketUri("user=" + user));
        // A reply proves the gateway has registered the socket for the fan-out (it registers, then reads).
        await client.ResultAsync("notify.subscribe", new { channels = new[] { "global" } });

        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        using var timeout = new CancellationTokenSource(Timeout);
        var result = await commands.ExecuteCommandAsync("wsgateway", Command, timeout.Token);
        Assert.True(result.Success, result.Message);

        var notification = await client.WaitForEventAsync(TestEvent);
        Assert.Equal("global", notification.GetProperty("channel").GetString());
        var data = notification.GetProperty("data");
        Assert.Contains(data.GetProperty("id").GetString()!, result.Message, StringComparison.Ordinal);
        Assert.Equal("aspire-dashboard", data.GetProperty("from").GetString());
        Assert.True(notification.GetProperty("timestamp").GetInt64() > 1_700_000_000_000);
    }

    [Fact]
    public async Task The_proxy_resource_links_the_operator_console()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var ready = await fixture.App.ResourceNotifications.WaitForResourceAsync(
            "proxy", e => e.Snapshot.Urls.Any(u => u.DisplayProperties.DisplayName == "Operator console"), timeout.Token);
        var link = ready.Snapshot.Urls.First(u => u.DisplayProperties.DisplayName == "Operator console");

        using var http = new HttpClient { Timeout = Timeout };
        var page = await http.GetStringAsync(new Uri(link.Url), timeout.Token);
        Assert.Contains("<title>Nexus console</title>", page, StringComparison.Ordinal);
    }
}
