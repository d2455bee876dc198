using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Nexus.Tests.OperatorConsole;

/// <summary>One browser tab of the console, signed in as one user, with the locators the tests share.</summary>
internal sealed partial class ConsolePage : IAsyncDisposable
{
    /// <summary>Every wait in these tests is bounded; whole-app steps (an agent run, a restart) get the long one.</summary>
    public static readonly float ShortTimeout = 15_000;
    public static readonly float LongTimeout = 60_000;

    private readonly IBrowserContext _context;
    private readonly string _screenshotDirectory;
    private readonly ITestOutputHelper _output;
    private readonly List<string> _pageErrors = [];

    private ConsolePage(IBrowserContext context, IPage page, string user, string screenshotDirectory, ITestOutputHelper output)
    {
        _context = context;
        Page = page;
        User = user;
        _screenshotDirectory = screenshotDirectory;
        _output = output;
        page.PageError += (_, error) => _pageErrors.Add(error);
    }

    public IPage Page { get; }

    public string User { get; }

    /// <summary>Uncaught script errors of this tab: a test ends by asserting there were none.</summary>
    public IReadOnlyList<string> PageErrors => _pageErrors;

    public ILocator Connection => Page.Locator("#connection");

    public ILocator Alert => Page.Locator("#error");

    public static Task<ConsolePage> OpenAsync(
        ConsoleAppFixture fixture, ITestOutputHelper output, string user, bool approver, bool narrow = false) =>
        OpenAsync(fixture.Browser, fixture.BaseAddress, fixture.ScreenshotDirectory, output, user, approver, narrow);

    public static async Task<ConsolePage> OpenAsync(
        IBrowser browser, Uri baseAddress, string screenshotDirectory, ITestOutputHelper output, string user, bool approver, bool narrow)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = narrow ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(ShortTimeout);
        var page = new ConsolePage(context, await context.NewPageAsync(), user, screenshotDirectory, output);
        await page.Page.GotoAsync("/");
        await page.Page.GetByLabel("User name", new() { Exact = true }).FillAsync(user);
        if (approver)
        {
            await page.Page.GetByLabel("Approver", new() { Exact = true }).CheckAsync();
        }

        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Page.Locator("#whoami")).ToContainTextAsync(user, new() { Timeout = ShortTimeout });
        await page.ExpectConnectedAsync();
        return page;
    }

    public Task ExpectConnectedAsync(float? timeout = null) =>
        Expect(Connection).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = timeout ?? ShortTimeout });

    /// <summary>Starts a task with the form and returns the id of the session it created.</summary>
    public async Task<string> StartTaskAsync(string task)
    {
        await Page.GetByLabel("Task", new() { Exact = true }).FillAsync(task);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Start task" }).ClickAsync();
        var notice = Page.Locator("#notice");
        await Expect(notice).ToContainTextAsync("Started session ", new() { Timeout = ShortTimeout });
        var text = await notice.TextContentAsync() ?? "";
        var sessionId = StartedSession().Match(text).Groups["id"].Value;
        Assert.False(string.IsNullOrEmpty(sessionId), $"no session id in the notice '{text}'");
        await Expect(Session(sessionId)).ToBeVisibleAsync(new() { Timeout = ShortTimeout });
        return sessionId;
    }

    public ILocator Session(string sessionId) => Page.Locator($"#session-list li.session[data-session-id=\"{sessionId}\"]");

    public ILocator ApprovalCard(string sessionId) => Page.Locator($"#approval-cards .approval-card[data-session-id=\"{sessionId}\"]");

    public ILocator FeedEntry(string eventName, string containing) =>
        Page.Locator($"#feed-list li.feed-item[data-event=\"{eventName}\"]").Filter(new() { HasText = containing });

    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(_screenshotDirectory, $"{name}.png");
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    [GeneratedRegex(@"Started session (?<id>\S+?)\.?$")]
    private static partial Regex StartedSession();
}
