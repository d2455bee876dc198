using Nexus.Contracts;
using Nexus.Contracts.Redis;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 6, "tests it must have": clients spread over both gateway replicas, and every docs/protocol.md section 2 rule
/// holds across replicas (every replica receives every message and delivers it to its own clients).
/// </summary>
[Collection(ScaleAppCollection.Name)]
public sealed class ScaleDeliveryTests(ScaleAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task New_connections_spread_over_both_gateway_replicas()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);

        var clients = new List<ScaleClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                clients.Add(await fixture.ConnectAsync($"spread-{i}", timeout.Token));
            }

            var perReplica = clients.GroupBy(c => c.Replica).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(ScaleAppFixture.Gateways.Order(), perReplica.Keys.Order());
            // The front door balances open sockets (PowerOfTwoChoices): neither replica gets most of them. Not exactly
            // five and five: sockets of earlier tests of the collection may still be closing, and count.
            Assert.All(perReplica.Values, count => Assert.InRange(count, 3, 7));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_global_event_reaches_every_client_on_every_replica_exactly_once()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);
        await using var a1 = await fixture.ConnectToReplicaAsync("global-a1", "wsgateway", timeout.Token);
        await using var a2 = await fixture.ConnectToReplicaAsync("global-a2", "wsgateway", timeout.Token);
        await using var b1 = await fixture.ConnectToReplicaAsync("global-b1", "wsgateway-2", timeout.Token);
        await using var b2 = await fixture.ConnectToReplicaAsync("global-b2", "wsgateway-2", timeout.Token);
        ScaleClient[] clients = [a1, a2, b1, b2];
        await fixture.WarmUpAsync(clients, timeout.Token);

        var marker = Guid.NewGuid().ToString("N");
        var sentinel = Guid.NewGuid().ToString("N");
        await fixture.PublishAsync(Channels.Global, "scale.once", marker);
        await fixture.PublishAsync(Channels.Global, "scale.sentinel", sentinel);

        // One channel keeps publish order, so whatever came before the sentinel is all a client got of the marker.
        foreach (var client in clients)
        {
            var seen = await client.UntilAsync(m => Notify.HasMarker(m, sentinel), timeout.Token);
            Assert.Equal(1, seen.Count(m => Notify.HasMarker(m, marker)));
        }
    }

    [Fact]
    public async Task A_user_event_reaches_that_user_on_both_replicas_and_no_one_else()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);
        await using var carolA = await fixture.ConnectToReplicaAsync("carol", "wsgateway", timeout.Token);
        await using var carolB = await fixture.ConnectToReplicaAsync("carol", "wsgateway-2", timeout.Token);
        await using var daveA = await fixture.ConnectToReplicaAsync("dave", "wsgateway", timeout.Token);
        await using var daveB = await fixture.ConnectToReplicaAsync("dave", "wsgateway-2", timeout.Token);
        await fixture.WarmUpAsync([carolA, carolB, daveA, daveB], timeout.Token);

        var marker = Guid.NewGuid().ToString("N");
        await fixture.PublishAsync(Channels.UserPrefix + "carol", "scale.user", marker);

        await AssertTargetedDeliveryAsync([carolA, carolB], [daveA, daveB], marker, timeout.Token);
    }

    [Fact]
    public async Task An_agent_event_reaches_the_session_owner_on_both_replicas_and_no_one_else()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var sessionId = "s_scale_" + Guid.NewGuid().ToString("N");
        var key = RedisKeys.Session(sessionId);
        var db = fixture.Redis.GetDatabase();
        await db.HashSetAsync(key, RedisKeys.SessionOwnerField, "erin");
        await db.KeyExpireAsync(key, TimeSpan.FromMinutes(10));

        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);
        await using var erinA = await fixture.ConnectToReplicaAsync("erin", "wsgateway", timeout.Token);
        await using var erinB = await fixture.ConnectToReplicaAsync("erin", "wsgateway-2", timeout.Token);
        await using var frankA = await fixture.ConnectToReplicaAsync("frank", "wsgateway", timeout.Token);
        await using var frankB = await fixture.ConnectToReplicaAsync("frank", "wsgateway-2", timeout.Token);
        await fixture.WarmUpAsync([erinA, erinB, frankA, frankB], timeout.Token);

        var marker = Guid.NewGuid().ToString("N");
        await fixture.PublishAsync(Channels.AgentPrefix + sessionId, "agent.progress", marker);

        await AssertTargetedDeliveryAsync([erinA, erinB], [frankA, frankB], marker, timeout.Token);
    }

    /// <summary>
    /// The recipients get the marker; then a <c>global</c> sentinel, published after both replicas have fanned the
    /// marker out, shows that the recipients got it exactly once and the others not at all.
    /// </summary>
    private async Task AssertTargetedDeliveryAsync(ScaleClient[] recipients, ScaleClient[] others, string marker, CancellationToken cancellationToken)
    {
        Assert.Equal(2, recipients.Select(c => c.Replica).Distinct().Count());
        foreach (var client in recipients)
        {
            await client.UntilAsync(m => Notify.HasMarker(m, marker), cancellationToken);
        }

        var sentinel = Guid.NewGuid().ToString("N");
        await fixture.PublishAsync(Channels.Global, "scale.sentinel", sentinel);
        foreach (var client in recipients)
        {
            var after = await client.UntilAsync(m => Notify.HasMarker(m, sentinel), cancellationToken);
            Assert.DoesNotContain(after, m => Notify.HasMarker(m, marker));
        }

        foreach (var client in others)
        {
            var seen = await client.UntilAsync(m => Notify.HasMarker(m, sentinel), cancellationToken);
            Assert.DoesNotContain(seen, m => Notify.HasMarker(m, marker));
        }
    }
}
