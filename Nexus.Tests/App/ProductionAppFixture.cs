using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Nexus.Tests.Identity;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.App;

/// <summary>
/// The whole app as a deployment runs it (issue 11): the Production environment, so no development identities, tokens
/// signed with a known key (<see cref="Tokens.Key"/>, given as the <c>auth-signing-key</c> parameter), approvals
/// restricted to approvers and self-approval off (the AppHost's defaults outside Development).
/// </summary>
public sealed class ProductionAppFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app did not start.");

    public Uri ProxyAddress => App.GetEndpoint("proxy", "http");

    public Uri WebSocketUri(string user, bool approver = false)
        => new UriBuilder(ProxyAddress) { Scheme = "ws", Path = "/ws", Query = "access_token=" + Tokens.Create(user, approver: approver ? true : null) }.Uri;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(NexusAppFixture.StartTimeout);
        var builder = await AppHostTesting.CreateBuilderAsync(
            ["--environment=Production", "--Nexus:Proxy:Port=0", "--Nexus:Redis:Port=0", "--Parameters:auth-signing-key=" + Tokens.Key],
            timeout.Token);

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("proxy", timeout.Token);
    }

    public async Task DisposeAsync() => await _app.StopAndDisposeAsync();
}
