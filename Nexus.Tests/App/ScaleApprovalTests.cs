using Nexus.Contracts;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 6: with two runner replicas behind two gateway replicas, 50 simultaneous decisions on one approval have
/// one winner, 49 conflicts (-32003 with the final state), and one <c>approval_resolved</c> (docs/protocol.md section 6).
/// </summary>
[Collection(ScaleAppCollection.Name)]
public sealed class ScaleApprovalTests(ScaleAppFixture fixture)
{
    private const int Deciders = 50;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Fifty_concurrent_decisions_through_both_gateways_have_one_winner_and_one_approval_resolved()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);
        await using var owner = await fixture.ConnectAsync("ivy", timeout.Token);
        await using var watcher = await fixture.ConnectAsync("watcher", timeout.Token);
        var deciders = new List<ScaleClient>();
        try
        {
            for (var i = 0; i < Deciders; i++)
            {
                deciders.Add(await fixture.ConnectAsync($"approver-{i}", timeout.Token));
            }

            Assert.Equal(ScaleAppFixture.Gateways.Order(), deciders.Select(d => d.Replica).Distinct().Order());
            await fixture.WarmUpAsync([owner, watcher], timeout.Token);

            using var run = await owner.CallAsync("agent.run", """{"task":"write x.txt hi"}""", timeout.Token);
            var sessionId = run.RootElement.GetProperty("result").GetProperty("sessionId").GetString()!;
            using var request = await watcher.NextAsync(
                m => Notify.IsEvent(m, EventNames.ApprovalRequest) && Notify.Data(m).GetProperty("sessionId").GetString() == sessionId,
                timeout.Token);
            var requestId = Notify.Data(request.RootElement).GetProperty("requestId").GetString()!;

            var parameters = $$"""{"requestId":"{{requestId}}","decision":"approve"}""";
            var responses = await Task.WhenAll(deciders.Select(d => d.CallAsync("approval.respond", parameters, timeout.Token)));
            try
            {
                var winners = deciders.Zip(responses).Where(x => x.Second.RootElement.TryGetProperty("result", out _)).ToArray();
                var winner = Assert.Single(winners);
                var result = winner.Second.RootElement.GetProperty("result");
                Assert.Equal(requestId, result.GetProperty("requestId").GetString());
                Assert.Equal("approved", result.GetProperty("decision").GetString());
                Assert.Equal("resolved", result.GetProperty("status").GetString());

                var conflicts = responses.Where(r => r.RootElement.TryGetProperty("error", out _)).Select(r => r.RootElement.GetProperty("error")).ToArray();
                Assert.Equal(Deciders - 1, conflicts.Length);
                Assert.All(conflicts, error =>
                {
                    Assert.Equal(-32003, error.GetProperty("code").GetInt32());
                    Assert.Equal(requestId, error.GetProperty("data").GetProperty("requestId").GetString());
                    Assert.Equal(winner.First.User, error.GetProperty("data").GetProperty("by").GetString());
                });

                // The session ends once the approved write is done (seen by its owner); a sentinel on the approval
                // channel published after that shows how many approval_resolved the watcher got: one, naming the winner.
                using var completed = await owner.NextAsync(
                    m => Notify.IsEvent(m, EventNames.AgentCompleted) && Notify.Data(m).GetProperty("sessionId").GetString() == sessionId,
                    timeout.Token);
                Assert.True(Notify.Data(completed.RootElement).GetProperty("success").GetBoolean());

                var sentinel = Guid.NewGuid().ToString("N");
                await fixture.PublishAsync(Channels.Approval, "scale.sentinel", sentinel);
                var seen = await watcher.UntilAsync(m => Notify.HasMarker(m, sentinel), timeout.Token);
                var resolved = Assert.Single(seen, m => Notify.IsEvent(m, EventNames.ApprovalResolved)
                    && Notify.Data(m).GetProperty("requestId").GetString() == requestId);
                Assert.Equal("approved", Notify.Data(resolved).GetProperty("decision").GetString());
                Assert.Equal(winner.First.User, Notify.Data(resolved).GetProperty("by").GetString());
            }
            finally
            {
                foreach (var response in responses)
                {
                    response.Dispose();
                }
            }
        }
        finally
        {
            foreach (var decider in deciders)
            {
                await decider.DisposeAsync();
            }
        }
    }
}
