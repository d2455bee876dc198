using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Nexus.Tests.Infrastructure;
using Microsoft.Playwright;

// Not "Nexus.Tests.Console": a namespace named Console would shadow System.Console for every test folder.
namespace Nexus.Tests.OperatorConsole;

/// <summary>
/// The whole app (Aspire.Hosting.Testing) plus one headless Debian chromium, shared by the tests of a
/// class: an app start costs 15-30 s on these machines. Playwright drives /usr/bin/chromium; it never
/// downloads a browser (no network here, and `.ci/run` installs chromium with apt).
/// </summary>
public sealed class ConsoleAppFixture : IAsyncLifetime
{
    public const string ProxyResource = "proxy";
    public const string GatewayResource = "wsgateway";
    public const string RunnerResource = "agentrunner";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private DistributedApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app is not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    /// <summary>The front door: the console is served at "/" and the socket at "/ws".</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Where screenshots go: TestResults/screenshots under the test output folder.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        // Ports 0, as NexusAppFixture: free ports, so this runs beside ./run.sh and beside other app fixtures.
        var builder = await AppHostTesting.CreateBuilderAsync(
            ["--Nexus:Proxy:Port=0", "--Nexus:Redis:Port=0"], cts.Token);
        _app = await builder.BuildAsync(cts.Token);
        await _app.StartAsync(cts.Token);
        foreach (var resource in new[] { GatewayResource, RunnerResource, ProxyResource })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }

        BaseAddress = _app.GetEndpoint(ProxyResource, "http");
        Directory.CreateDirectory(ScreenshotDirectory);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await _app.StopAndDisposeAsync();
    }
}
