using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.App;

/// <summary>
/// The whole Nexus app (AppHost, Redis, gateway, runner, proxy), started once for every test of the
/// <see cref="NexusAppCollection"/>: one start costs 15-30 s, one stop about 15 s.
/// The services must be built first (Aspire starts them with --no-build); ./test.sh builds the solution.
/// </summary>
public sealed class NexusAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app did not start.");

    /// <summary>The proxy's WebSocket endpoint, e.g. <c>ws://localhost:port/ws?user=alice</c>.</summary>
    public Uri WebSocketUri(string query)
    {
        var http = App.GetEndpoint("proxy", "http");
        return new UriBuilder(http) { Scheme = "ws", Path = "/ws", Query = query }.Uri;
    }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);

        // Ports 0: let Aspire pick free ones, so the tests run beside ./run.sh (which uses the fixed 5080 and 6380).
        var builder = await AppHostTesting.CreateBuilderAsync(
            ["--Nexus:Proxy:Port=0", "--Nexus:Redis:Port=0"], timeout.Token);

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("proxy", timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAndDisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class NexusAppCollection : ICollectionFixture<NexusAppFixture>
{
    public const string Name = "Nexus app";
}
