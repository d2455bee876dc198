using Aspire.Hosting.ApplicationModel;
using Microsoft.Playwright;
using Nexus.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Nexus.Tests.OperatorConsole;

/// <summary>The console survives a gateway restart: it shows it is reconnecting, comes back, re-syncs and still works.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleReconnectTests(ConsoleAppFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleAppFixture>
{
    private static readonly float Short = ConsolePage.ShortTimeout;
    private static readonly float Long = ConsolePage.LongTimeout;

    [Fact]
    public async Task Console_reconnects_after_the_gateway_restarts_and_keeps_the_pending_approval()
    {
        await using var grace = await ConsolePage.OpenAsync(fixture, output, "grace", approver: false);
        await using var heidi = await ConsolePage.OpenAsync(fixture, output, "heidi", approver: true);
        var sessionId = await grace.StartTaskAsync("write restart.txt survived");
        await Expect(heidi.ApprovalCard(sessionId)).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Long });

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await RestartGatewayAsync(cts.Token);

        // The drop shows in the page. Read from the indicator's history, which a quick restart cannot slip past.
        await grace.Page.WaitForFunctionAsync(
            "() => window.nexusConsole.connection.history.some(h => h.phase === 'reconnecting')",
            null,
            new() { Timeout = Long, PollingInterval = 50 });
        await grace.ScreenshotAsync("reconnect-1-grace-during-restart");
        await fixture.App.WaitForRestartedAsync(ConsoleAppFixture.GatewayResource, cts.Token);
        await grace.ExpectConnectedAsync(Long);
        await heidi.ExpectConnectedAsync(Long);
        foreach (var page in new[] { grace, heidi })
        {
            var phases = await page.Page.EvaluateAsync<string[]>("() => window.nexusConsole.connection.history.map(h => h.phase)");
            Assert.Contains("reconnecting", phases);
            Assert.Equal("connected", phases[^1]);
        }

        await Expect(grace.Page.Locator("#notice")).ToContainTextAsync("Reconnected", new() { Timeout = Short });

        // Still works after the restart: the pending request came back with approval.list, and deciding it ends the session.
        var card = heidi.ApprovalCard(sessionId);
        await Expect(card).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Short });
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(grace.Session(sessionId)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Long });
        var echo = await grace.StartTaskAsync("echo back again");
        await Expect(grace.Session(echo)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Long });
        await grace.ScreenshotAsync("reconnect-2-grace-after-restart");

        Assert.Empty(grace.PageErrors);
        Assert.Empty(heidi.PageErrors);
    }

    private async Task RestartGatewayAsync(CancellationToken cancellationToken)
    {
        const string gateway = ConsoleAppFixture.GatewayResource;
        // The gateway stops in about 2 s (its telemetry flush is bounded), well inside the orchestrator's wait.
        var restart = await fixture.App.ResourceCommands.ExecuteCommandAsync(gateway, KnownResourceCommands.RestartCommand, cancellationToken);
        Assert.True(restart.Success, $"restart of the gateway failed: {restart.Message}");
    }
}
