using System.Net;
using Microsoft.Extensions.Options;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>What the gateway refuses to start with, and the development token endpoint.</summary>
public sealed class StartupAndDevTokenTests
{
    [Fact]
    public async Task Outside_Development_a_missing_signing_key_stops_start_up_naming_Auth_SigningKey()
    {
        await using var redis = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            redis, new Dictionary<string, string?> { ["Auth:AllowDevUsers"] = "false" }, environment: "Production"));

        Assert.Contains("Auth:SigningKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_Development_dev_users_stop_start_up_naming_Auth_AllowDevUsers_even_with_every_key()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = Tokens.Settings();
        settings["Auth:ServiceKey"] = Runner.RunnerHost.ServiceKey;
        settings["Auth:AllowDevUsers"] = "true";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(redis, settings, environment: "Production"));

        Assert.Contains("Auth:AllowDevUsers", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_Development_a_missing_service_key_stops_start_up_naming_Auth_ServiceKey()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = Tokens.Settings();
        settings["Auth:AllowDevUsers"] = "false";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(redis, settings, environment: "Production"));

        Assert.Contains("Auth:ServiceKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_signing_key_stops_start_up_without_showing_the_key()
    {
        await using var redis = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = "short-secret-xyz" }));

        Assert.Contains("Auth:SigningKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret-xyz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_Production_with_a_key_tokens_work_dev_users_and_the_dev_endpoint_do_not_exist()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = Tokens.Settings();
        settings["Auth:AllowDevUsers"] = "false";
        settings["Auth:ServiceKey"] = Runner.RunnerHost.ServiceKey;
        await using var host = await GatewayHost.StartAsync(redis, settings, environment: "Production");
        using var http = host.CreateHttpClient();

        Assert.Equal(101, await Upgrade.StatusAsync(host.WebSocketUri("access_token=" + Tokens.Create("prod-user"))));
        Assert.Equal(401, await host.UpgradeStatusAsync("user=prod-user"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/dev/token?user=alice", null)).StatusCode);
    }

    [Fact]
    public async Task In_Development_without_a_key_tokens_are_refused_and_dev_users_work()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        using var http = host.CreateHttpClient();

        Assert.Equal(401, await Upgrade.StatusAsync(host.WebSocketUri("access_token=" + Tokens.Create("dev"))));
        Assert.Equal(101, await host.UpgradeStatusAsync("user=dev"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/dev/token?user=alice", null)).StatusCode);
    }

    [Fact]
    public async Task The_dev_endpoint_issues_a_token_that_connects_as_that_user_and_approver()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = Tokens.Settings();
        settings["Auth:RestrictApprovals"] = "true";
        await using var host = await GatewayHost.StartAsync(redis, settings);
        using var http = host.CreateHttpClient();

        var response = await http.PostAsync("/dev/token?user=dora&approver=true", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/dev/token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/dev/token?user=x&minutes=0", null)).StatusCode);

        await using var client = await host.ConnectAsync("dora", () => Upgrade.ConnectWithHeaderAsync(host.WebSocketUri(""), token));
        await host.PublishAsync("approval", """{"event":"for-approvers"}""");
        await host.PublishAsync("user:dora", """{"event":"for-dora"}""");
        await client.WaitForEventAsync("for-dora");
        Assert.True(client.HasEvent("for-approvers"));
    }
}
