using Aspire.Hosting.Testing;

namespace Nexus.Tests.App;

[Collection(NexusAppCollection.Name)]
public sealed class AppStartupTests(NexusAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("redis")]
    [InlineData("agentrunner")]
    [InlineData("wsgateway")]
    [InlineData("proxy")]
    public async Task Every_resource_becomes_healthy(string resource)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var state = await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        Assert.Equal("Running", state.Snapshot.State?.Text);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task The_proxy_answers_its_health_endpoints(string path)
    {
        using var http = fixture.App.CreateHttpClient("proxy", "http");
        http.Timeout = Timeout;
        var response = await http.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("wsgateway")]
    [InlineData("agentrunner")]
    public async Task The_service_is_given_the_redis_connection_string_and_reaches_redis_with_it(string service)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", timeout.Token);

        // The environment the orchestrator started the process with, as the dashboard shows it.
        var running = await fixture.App.ResourceNotifications.WaitForResourceAsync(
            service, e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == "ConnectionStrings__redis"), timeout.Token);

        Assert.Equal(connectionString, running.Snapshot.EnvironmentVariables.Single(v => v.Name == "ConnectionStrings__redis").Value);
        // The service's readiness includes its Redis check (README, "Health"): Healthy means it reached Redis with it.
        using var http = fixture.App.CreateHttpClient(service, "http");
        http.Timeout = Timeout;
        Assert.Equal("Healthy", await http.GetStringAsync(new Uri("/health", UriKind.Relative), timeout.Token));
    }
}
