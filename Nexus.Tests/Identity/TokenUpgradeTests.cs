using Microsoft.Extensions.DependencyInjection;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>docs/protocol.md section 5: JWT at the upgrade; a bad token is 401 and opens no socket.</summary>
public sealed class TokenUpgradeTests(TokenGatewayFixture gateway) : IClassFixture<TokenGatewayFixture>
{
    public static TheoryData<string, string> BadTokens => new()
    {
        { "missing", "" },
        { "malformed", "not.a.jwt" },
        { "garbage", "!!!" },
        { "expired", Tokens.Create("eve", expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong key", Tokens.Create("eve", key: Tokens.OtherKey) },
        { "wrong audience", Tokens.Create("eve", audience: "someone-else") },
        { "wrong issuer", Tokens.Create("eve", issuer: "https://evil.test") },
        { "alg none", Tokens.AlgNone("eve") },
        { "no sub", Tokens.Create(null) },
        { "empty sub", Tokens.Create("") },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_token_in_the_header_or_the_query_gets_401_and_opens_no_socket(string kind, string token)
    {
        await Wait.UntilAsync(() => gateway.Registry.Count == 0, "connections of earlier tests closed");
        var failuresBefore = gateway.Host.Metrics.Sum("nexus.gateway.auth.failures");

        var byQuery = await Upgrade.StatusAsync(gateway.WsUri(kind == "missing" ? "" : "access_token=" + Uri.EscapeDataString(token)));
        // "missing" by header: an Authorization header that carries no token.
        var byHeader = await Upgrade.StatusAsync(gateway.WsUri(), Upgrade.Bearer(token));

        Assert.Equal(401, byQuery);
        Assert.Equal(401, byHeader);
        Assert.Equal(0, gateway.Registry.Count);
        Assert.Equal(0, gateway.Host.Metrics.Sum("nexus.gateway.connections"));
        Assert.True(gateway.Host.Metrics.Sum("nexus.gateway.auth.failures") >= failuresBefore + 2);
    }

    [Fact]
    public async Task A_bad_token_is_refused_even_with_a_dev_user_and_a_good_token_wins_over_user()
    {
        Assert.Equal(401, await Upgrade.StatusAsync(gateway.WsUri("user=mallory&access_token=" + Tokens.Create("x", key: Tokens.OtherKey))));
        Assert.Equal(401, await Upgrade.StatusAsync(gateway.WsUri("user=mallory"), new Dictionary<string, string> { ["Authorization"] = "Basic abc" }));

        await using var client = await gateway.Host.ConnectAsync(
            "token-wins", () => TestClient.ConnectAsync(gateway.WsUri("user=mallory&access_token=" + Tokens.Create("token-wins"))));
        await gateway.Host.PublishAsync("user:token-wins", """{"event":"for-token-user"}""");
        await gateway.Host.PublishAsync("user:mallory", """{"event":"for-mallory"}""");
        await gateway.Host.PublishAsync("user:token-wins", """{"event":"sentinel"}""");

        await client.WaitForEventAsync("sentinel");
        Assert.True(client.HasEvent("for-token-user"));
        Assert.False(client.HasEvent("for-mallory"));
    }

    [Fact]
    public async Task A_good_token_in_the_header_or_the_query_opens_a_socket_as_its_sub()
    {
        await using var byHeader = await gateway.Host.ConnectAsync("carol", () => Upgrade.ConnectWithHeaderAsync(gateway.WsUri(), Tokens.Create("carol")));
        await using var byQuery = await gateway.Host.ConnectAsync("carol", () => TestClient.ConnectAsync(gateway.WsUri("access_token=" + Tokens.Create("carol"))));

        await gateway.Host.PublishAsync("user:carol", """{"event":"hello-carol"}""");

        await byHeader.WaitForEventAsync("hello-carol");
        await byQuery.WaitForEventAsync("hello-carol");
    }

    [Theory]
    [InlineData(true)]
    [InlineData("true")]
    public async Task The_approver_claim_makes_a_connection_an_approver_and_only_approvers_receive_the_approval_channel(object claim)
    {
        // Who may list and decide is the runner's rule (RunnerAuthorizationTests), on the approver flag the gateway
        // takes from this claim; the approval channel is the gateway's own. The other case's connections (same users)
        // must be gone first, or they would count as these being registered.
        await Wait.UntilAsync(() => gateway.Registry.Count == 0, "connections of earlier tests closed");
        await using var approver = await TestClient.ConnectAsync(gateway.WsUri("access_token=" + Tokens.Create("boss", approver: claim)));
        await using var plain = await TestClient.ConnectAsync(gateway.WsUri("access_token=" + Tokens.Create("worker", approver: "false")));
        var registry = gateway.Host.App.Services.GetRequiredService<Nexus.WsGateway.Connections.ConnectionRegistry>();
        await Wait.UntilAsync(() => registry.CountForUser("boss") == 1 && registry.CountForUser("worker") == 1, "both connections registered");

        await gateway.Host.PublishAsync("approval", """{"event":"approval_request"}""");
        await approver.WaitForEventAsync("approval_request");
        await gateway.Host.PublishAsync("user:worker", """{"event":"sentinel"}""");
        await plain.WaitForEventAsync("sentinel");
        Assert.False(plain.HasEvent("approval_request"));
    }
}
