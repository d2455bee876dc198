using Nexus.Proxy.FrontDoor;
using Yarp.ReverseProxy.LoadBalancing;

namespace Nexus.Tests.Proxy;

public sealed class FrontDoorRoutesTests
{
    [Fact]
    public void Ws_goes_to_the_gateway_and_api_to_the_runner_by_service_discovery_name()
    {
        var config = FrontDoorRoutes.Create(new FrontDoorOptions()).GetConfig();

        var ws = Assert.Single(config.Routes, r => r.Match.Path == "/ws");
        Assert.Equal("wsgateway", ws.ClusterId);
        Assert.Null(ws.Transforms);
        var api = Assert.Single(config.Routes, r => r.Match.Path == "/api/{**catch-all}");
        Assert.Equal("agentrunner", api.ClusterId);
        // The headers by which the gateway names a user never come from outside (SECURITY.md).
        Assert.Equal(
            ["X-Nexus-Approver", "X-Nexus-User"],
            api.Transforms!.Select(t => Assert.Single(t, kv => kv.Key == "RequestHeaderRemove").Value).Order(StringComparer.Ordinal));

        var gateway = Assert.Single(config.Clusters, c => c.ClusterId == "wsgateway");
        Assert.Equal("http://wsgateway", Assert.Single(gateway.Destinations!).Value.Address);
        Assert.Equal(LoadBalancingPolicies.PowerOfTwoChoices, gateway.LoadBalancingPolicy);
        Assert.Null(gateway.SessionAffinity);
        Assert.Equal(TimeSpan.FromSeconds(100), gateway.HttpRequest!.ActivityTimeout);

        var runner = Assert.Single(config.Clusters, c => c.ClusterId == "agentrunner");
        Assert.Equal("http://agentrunner", Assert.Single(runner.Destinations!).Value.Address);
    }

    [Fact]
    public void An_activity_timeout_below_the_gateway_ping_interval_is_refused_naming_the_key()
    {
        var result = new FrontDoorOptionsValidator().Validate(null, new FrontDoorOptions { ActivityTimeout = TimeSpan.FromSeconds(20) });
        Assert.True(result.Failed);
        Assert.Contains("Proxy:ActivityTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_that_is_not_an_http_url_is_refused_naming_the_key()
    {
        var result = new FrontDoorOptionsValidator().Validate(null, new FrontDoorOptions { GatewayAddress = "wsgateway" });
        Assert.True(result.Failed);
        Assert.Contains("Proxy:GatewayAddress", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_gateway_replica_address_becomes_a_destination_probed_on_health()
    {
        var options = new FrontDoorOptions();
        options.GatewayAddresses.Add("http://wsgateway");
        options.GatewayAddresses.Add("http://wsgateway-2");

        var gateway = Assert.Single(FrontDoorRoutes.Create(options).GetConfig().Clusters, c => c.ClusterId == "wsgateway");

        Assert.Equal(["http://wsgateway", "http://wsgateway-2"], gateway.Destinations!.Values.Select(d => d.Address).Order());
        Assert.True(gateway.HealthCheck!.Active!.Enabled);
        Assert.Equal("/health", gateway.HealthCheck.Active.Path);
        Assert.Equal(options.HealthCheckInterval, gateway.HealthCheck.Active.Interval);
        Assert.True(gateway.HealthCheck.Passive!.Enabled);
    }

    [Fact]
    public void A_gateway_replica_address_that_is_not_an_http_url_is_refused_naming_its_index()
    {
        var options = new FrontDoorOptions();
        options.GatewayAddresses.Add("http://wsgateway");
        options.GatewayAddresses.Add("wsgateway-2");

        var result = new FrontDoorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Proxy:GatewayAddresses:1", result.FailureMessage, StringComparison.Ordinal);
    }
}
