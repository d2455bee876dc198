using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Nexus.Tests.OperatorConsole;

/// <summary>
/// The console in real headless chromium against the whole app through the proxy (issue 7): one user
/// starts a task that needs approval, another decides it in their own console.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleApprovalTests(ConsoleAppFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleAppFixture>
{
    private static readonly float Short = ConsolePage.ShortTimeout;
    private static readonly float Long = ConsolePage.LongTimeout;

    [Fact]
    public async Task Approver_in_another_console_approves_and_both_consoles_show_the_session_completed()
    {
        await using var alice = await ConsolePage.OpenAsync(fixture, output, "alice", approver: false);
        await using var bob = await ConsolePage.OpenAsync(fixture, output, "bob", approver: true, narrow: true);

        var sessionId = await alice.StartTaskAsync("write notes.txt hello");

        var card = bob.ApprovalCard(sessionId);
        await Expect(card).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Long });
        await Expect(card.Locator(".owner")).ToHaveTextAsync("alice", new() { Timeout = Short });
        await Expect(card.Locator("pre.args")).ToContainTextAsync("notes.txt", new() { Timeout = Short });
        await Expect(card.Locator(".countdown")).ToContainTextAsync("in ", new() { Timeout = Short });
        await Expect(alice.Session(sessionId)).ToHaveAttributeAsync("data-status", "waiting_approval", new() { Timeout = Long });
        await bob.ScreenshotAsync("approve-1-bob-sees-card-narrow");
        await alice.ScreenshotAsync("approve-1-alice-waiting");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-state", "approved", new() { Timeout = Long });
        await Expect(card.Locator(".outcome")).ToContainTextAsync("Approved by bob", new() { Timeout = Short });
        await Expect(alice.Session(sessionId)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Long });
        // Bob owns nothing here: he sees the outcome on the card and in the global feed.
        await Expect(card).ToHaveAttributeAsync("data-session-status", "completed", new() { Timeout = Long });
        await Expect(bob.FeedEntry("agent.completed", sessionId)).ToHaveCountAsync(1, new() { Timeout = Short });
        // Resolved elsewhere: Alice's console (everyone may approve by default) updates too, naming the decider.
        await Expect(alice.ApprovalCard(sessionId).Locator(".outcome")).ToContainTextAsync("Approved by bob", new() { Timeout = Short });
        await alice.ScreenshotAsync("approve-2-alice-completed");
        await bob.ScreenshotAsync("approve-2-bob-approved-narrow");

        Assert.Empty(alice.PageErrors);
        Assert.Empty(bob.PageErrors);
    }

    [Fact]
    public async Task Approver_denies_with_a_reason_and_the_owner_sees_the_session_fail()
    {
        await using var carol = await ConsolePage.OpenAsync(fixture, output, "carol", approver: false);
        await using var dave = await ConsolePage.OpenAsync(fixture, output, "dave", approver: true);

        var sessionId = await carol.StartTaskAsync("write secrets.txt nope");

        var card = dave.ApprovalCard(sessionId);
        await Expect(card).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Long });
        await card.GetByLabel("Reason (optional)").FillAsync("not today");
        await card.GetByRole(AriaRole.Button, new() { Name = "Deny" }).ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-state", "denied", new() { Timeout = Long });
        await Expect(card.Locator(".outcome")).ToContainTextAsync("Denied by dave", new() { Timeout = Short });
        await Expect(card.Locator(".outcome")).ToContainTextAsync("not today", new() { Timeout = Short });
        await Expect(carol.Session(sessionId)).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Long });
        await Expect(carol.ApprovalCard(sessionId).Locator(".outcome")).ToContainTextAsync("Denied by dave", new() { Timeout = Short });
        await Expect(dave.FeedEntry("approval_resolved", sessionId)).ToContainTextAsync("denied", new() { Timeout = Short });
        await carol.ScreenshotAsync("deny-carol-failed");
        await dave.ScreenshotAsync("deny-dave-denied");

        Assert.Empty(carol.PageErrors);
        Assert.Empty(dave.PageErrors);
    }

    [Fact]
    public async Task A_console_reloaded_mid_approval_still_shows_the_pending_card()
    {
        await using var erin = await ConsolePage.OpenAsync(fixture, output, "erin", approver: false);
        await using var frank = await ConsolePage.OpenAsync(fixture, output, "frank", approver: true);

        var sessionId = await erin.StartTaskAsync("write draft.txt later");
        await Expect(frank.ApprovalCard(sessionId)).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Long });

        // The reload loses every notification the page had: only approval.list / agent.list can bring them back.
        await frank.Page.ReloadAsync();
        await erin.Page.ReloadAsync();
        await frank.ExpectConnectedAsync();
        await erin.ExpectConnectedAsync();

        var card = frank.ApprovalCard(sessionId);
        await Expect(card).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = Short });
        await Expect(card.Locator(".owner")).ToHaveTextAsync("erin", new() { Timeout = Short });
        await Expect(erin.Session(sessionId)).ToHaveAttributeAsync("data-status", "waiting_approval", new() { Timeout = Short });
        await frank.ScreenshotAsync("reload-frank-card-still-pending");

        // Finish it, so nothing stays pending for the next test.
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(erin.Session(sessionId)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Long });

        Assert.Empty(erin.PageErrors);
        Assert.Empty(frank.PageErrors);
    }

    [Fact]
    public async Task Owner_cancels_a_running_session_from_its_row()
    {
        await using var ivan = await ConsolePage.OpenAsync(fixture, output, "ivan", approver: false);

        var sessionId = await ivan.StartTaskAsync("sleep 60");
        var row = ivan.Session(sessionId);
        await Expect(row).ToHaveAttributeAsync("data-status", "running", new() { Timeout = Short });
        await row.GetByRole(AriaRole.Button, new() { NameRegex = new("^Cancel session") }).ClickAsync();

        await Expect(row).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = Long });
        await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0, new() { Timeout = Short });
        Assert.Empty(ivan.PageErrors);
    }
}
