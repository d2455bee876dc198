using Nexus.Contracts.Redis;
using Nexus.Tests.Gateway.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>
/// docs/protocol.md section 2, end to end. "Nobody else" is proven without sleeps: the targeted message is published
/// first, then a global sentinel; Redis order per connection means a client that has the sentinel would already
/// have the targeted message had it been sent to it.
/// </summary>
public sealed class RoutingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Global_reaches_every_client()
    {
        await using var a = await Host.ConnectAsync("global-a");
        await using var b = await Host.ConnectAsync("global-b");

        await Host.PublishAsync("global", """{"event":"global.hello"}""");

        await a.WaitForEventAsync("global.hello");
        await b.WaitForEventAsync("global.hello");
    }

    [Fact]
    public async Task User_channel_reaches_every_connection_of_that_user_and_nobody_else()
    {
        await using var alice1 = await Host.ConnectAsync("user-alice");
        await using var alice2 = await Host.ConnectAsync("user-alice");
        await using var bob = await Host.ConnectAsync("user-bob");

        await Host.PublishAsync("user:user-alice", """{"event":"user.targeted"}""");
        await Host.PublishAsync("global", """{"event":"user.sentinel"}""");

        await alice1.WaitForEventAsync("user.sentinel");
        await alice2.WaitForEventAsync("user.sentinel");
        await bob.WaitForEventAsync("user.sentinel");
        Assert.True(alice1.HasEvent("user.targeted"));
        Assert.True(alice2.HasEvent("user.targeted"));
        Assert.False(bob.HasEvent("user.targeted"));
        Assert.Equal("user:user-alice", alice1.Notifications.Single(n => n.GetProperty("event").GetString() == "user.targeted").GetProperty("channel").GetString());
    }

    [Fact]
    public async Task Agent_channel_reaches_only_the_session_owner_read_from_redis()
    {
        var db = await Host.DatabaseAsync();
        await db.HashSetAsync(RedisKeys.Session("s-owned"), RedisKeys.SessionOwnerField, "agent-owner");
        await using var owner = await Host.ConnectAsync("agent-owner");
        await using var other = await Host.ConnectAsync("agent-other");

        await Host.PublishAsync("agent:s-owned", """{"event":"agent.progress","data":{"step":1}}""");
        await Host.PublishAsync("global", """{"event":"agent.sentinel"}""");

        await owner.WaitForEventAsync("agent.sentinel");
        await other.WaitForEventAsync("agent.sentinel");
        Assert.True(owner.HasEvent("agent.progress"));
        Assert.False(other.HasEvent("agent.progress"));
    }

    [Fact]
    public async Task Agent_channel_without_a_session_record_reaches_nobody()
    {
        await using var a = await Host.ConnectAsync("agent-nobody-a");
        await using var b = await Host.ConnectAsync("agent-nobody-b");

        await Host.PublishAsync("agent:s-unknown", """{"event":"agent.orphan"}""");
        await Host.PublishAsync("global", """{"event":"agent.orphan.sentinel"}""");

        await a.WaitForEventAsync("agent.orphan.sentinel");
        await b.WaitForEventAsync("agent.orphan.sentinel");
        Assert.False(a.HasEvent("agent.orphan"));
        Assert.False(b.HasEvent("agent.orphan"));
    }

    [Theory]
    [InlineData("approval")]
    [InlineData("builds")]
    [InlineData("team:red")]
    public async Task Approval_and_other_channel_names_reach_every_client(string channel)
    {
        await using var a = await Host.ConnectAsync("other-a-" + channel);
        await using var b = await Host.ConnectAsync("other-b-" + channel, approver: true);

        await Host.PublishAsync(channel, $$"""{"event":"other.{{channel}}"}""");

        var seen = await a.WaitForEventAsync("other." + channel);
        await b.WaitForEventAsync("other." + channel);
        Assert.Equal(channel, seen.GetProperty("channel").GetString());
    }
}
