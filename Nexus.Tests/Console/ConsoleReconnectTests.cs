using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Nexus.Contracts.History;
using StackExchange.Redis;
using Nexus.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Nexus.Tests.OperatorConsole;

/// <summary>
/// The console survives a gateway restart: it shows it is reconnecting, comes back, resumes (or re-syncs) and still
/// works; when the history lost its place while it was away, it says so and re-syncs (issue 12 item 6, issue 14).
/// </summary>
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

        // The history survived (it lives in Redis): both pages resumed where they were, without a re-sync.
        await Expect(grace.Page.Locator("#notice")).ToContainTextAsync("Reconnected;", new() { Timeout = Short });
        await Expect(heidi.Page.Locator("#notice")).Not.ToContainTextAsync("could not be recovered");

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

    [Fact]
    public async Task When_the_history_lost_its_place_the_console_says_so_and_resyncs_what_it_missed()
    {
        await using var judy = await ConsolePage.OpenAsync(fixture, output, "judy", approver: false);
        await using var kim = await ConsolePage.OpenAsync(fixture, output, "kim", approver: true);
        var sessionId = await judy.StartTaskAsync("write lost.txt while away");
        var card = kim.ApprovalCard(sessionId);
        await Expect(card).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Long });
        await Expect(judy.Session(sessionId)).ToHaveAttributeAsync("data-status", "waiting_approval", new() { Timeout = Long });
        var requestId = await card.GetAttributeAsync("data-request-id");
        Assert.False(string.IsNullOrEmpty(requestId));
        // Both pages have received durable notifications (agent.started, approval_request): they have an id to resume from.
        Assert.NotNull(await judy.Page.EvaluateAsync<string?>("() => window.nexusConsole.link.client.lastNotificationId"));

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var kimToken = await DevTokenAsync(http, "kim", cts.Token);
        var judyToken = await DevTokenAsync(http, "judy", cts.Token);

        // The gateway goes away: both pages lose their socket and keep trying.
        await ExecuteAsync(KnownResourceCommands.StopCommand, cts.Token);
        await judy.Page.WaitForFunctionAsync(
            "() => window.nexusConsole.connection.history.some(h => h.phase === 'reconnecting')", null, new() { Timeout = Long, PollingInterval = 50 });

        // Meanwhile Kim approves through the HTTP API (the front door routes /api to the runner), the session completes...
        using (var decide = new HttpRequestMessage(HttpMethod.Post, $"/api/approvals/{requestId}/decision") { Content = JsonContent.Create(new { decision = "approve" }) })
        {
            decide.Headers.Authorization = new AuthenticationHeaderValue("Bearer", kimToken);
            using var decided = await http.SendAsync(decide, cts.Token);
            Assert.True(decided.IsSuccessStatusCode, $"decision: {(int)decided.StatusCode}");
        }

        await Wait.UntilAsync(async () => await SessionStatusAsync(http, judyToken, sessionId, cts.Token) == "completed", "the session completed while the consoles were away", TimeSpan.FromSeconds(60));

        // ... and Redis loses the history (as a restart without persistence would): the pages' last ids are gone.
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", cts.Token);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!))
        {
            await redis.GetDatabase().KeyDeleteAsync([RedisHistoryKeys.Stream, RedisHistoryKeys.Meta]);
        }

        await ExecuteAsync(KnownResourceCommands.StartCommand, cts.Token);
        await fixture.App.WaitForRestartedAsync(ConsoleAppFixture.GatewayResource, cts.Token);
        await judy.ExpectConnectedAsync(Long);
        await kim.ExpectConnectedAsync(Long);

        foreach (var page in new[] { judy, kim })
        {
            var notice = page.Page.Locator("#notice");
            await Expect(notice).ToContainTextAsync("could not be recovered", new() { Timeout = Short });
            await Expect(notice).ToContainTextAsync("re-synced sessions and approvals", new() { Timeout = Short });
            await Expect(notice).ToHaveAttributeAsync("data-kind", "warning", new() { Timeout = Short });
            await Expect(notice).ToBeVisibleAsync();
        }

        // The re-synced lists show what happened while away: the session completed, the request is no longer pending.
        await Expect(judy.Session(sessionId)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Short });
        await Expect(card).Not.ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Short });
        await judy.ScreenshotAsync("resync-judy-history-lost");
        await kim.ScreenshotAsync("resync-kim-history-lost");

        Assert.Empty(judy.PageErrors);
        Assert.Empty(kim.PageErrors);
    }

    private static async Task<string> DevTokenAsync(HttpClient http, string user, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"/dev/token?user={user}&approver=true", content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
    }

    private static async Task<string?> SessionStatusAsync(HttpClient http, string token, string sessionId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/sessions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("sessions").EnumerateArray()
            .Where(s => s.GetProperty("sessionId").GetString() == sessionId)
            .Select(s => s.GetProperty("status").GetString())
            .FirstOrDefault();
    }

    private async Task ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync(ConsoleAppFixture.GatewayResource, command, cancellationToken);
        Assert.True(result.Success, $"{command} of the gateway failed: {result.Message}");
    }

    private async Task RestartGatewayAsync(CancellationToken cancellationToken)
    {
        const string gateway = ConsoleAppFixture.GatewayResource;
        // The gateway stops in about 2 s (its telemetry flush is bounded), well inside the orchestrator's wait.
        var restart = await fixture.App.ResourceCommands.ExecuteCommandAsync(gateway, KnownResourceCommands.RestartCommand, cancellationToken);
        Assert.True(restart.Success, $"restart of the gateway failed: {restart.Message}");
    }
}
