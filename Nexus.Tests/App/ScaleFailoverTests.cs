using System.Net.WebSockets;
using Aspire.Hosting.ApplicationModel;
using Nexus.Contracts;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 6 item 2: a gateway replica that stops sends its clients away with 1001; they reconnect through the same
/// front door URL, land on the live replica and keep receiving. The other replica's clients see nothing of it.
/// </summary>
[Collection(ScaleAppCollection.Name)]
public sealed class ScaleFailoverTests(ScaleAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Clients_of_a_stopped_replica_get_1001_reconnect_through_the_proxy_and_continue_receiving()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await fixture.WaitForAllGatewaysInRotationAsync(timeout.Token);
        await using var survivor = await fixture.ConnectToReplicaAsync("hank", "wsgateway", timeout.Token);
        var victim = await fixture.ConnectToReplicaAsync("gina", "wsgateway-2", timeout.Token);
        ScaleClient? reconnected = null;

        // A steady stream of global ticks, before, during and after the stop.
        var marker = Guid.NewGuid().ToString("N");
        using var stopTicks = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var ticks = PublishTicksAsync(marker, stopTicks.Token);
        try
        {
            var lastBefore = Sequence(await victim.NextAsync(m => Notify.HasMarker(m, marker), timeout.Token));
            var survivorFirst = Sequence(await survivor.NextAsync(m => Notify.HasMarker(m, marker), timeout.Token));

            var stop = await fixture.App.ResourceCommands.ExecuteCommandAsync("wsgateway-2", KnownResourceCommands.StopCommand, timeout.Token);
            Assert.True(stop.Success, stop.Message);

            await victim.Closed.WaitAsync(timeout.Token);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, victim.CloseStatus);

            // A client's reconnect loop: same URL, retried until the front door has taken the stopped replica out.
            reconnected = await ReconnectAsync("gina", timeout.Token);
            Assert.Equal("wsgateway", reconnected.Replica);
            var firstAfter = Sequence(await reconnected.NextAsync(m => Notify.HasMarker(m, marker), timeout.Token));
            Assert.True(firstAfter > lastBefore, $"tick {firstAfter} after the reconnect, {lastBefore} before the stop");

            // The live replica's client never noticed: every tick from its first to one after the reconnect, in order,
            // none missing, none twice.
            var survivorTicks = (await survivor.UntilAsync(m => Notify.HasMarker(m, marker) && Sequence(m) > firstAfter, timeout.Token))
                .Where(m => Notify.HasMarker(m, marker)).Select(Sequence).ToList();
            Assert.Equal(Enumerable.Range(0, survivorTicks.Count).Select(i => survivorFirst + 1 + i), survivorTicks);
            Assert.False(survivor.Closed.IsCompleted, $"the survivor's socket closed ({survivor.CloseStatus})");
        }
        finally
        {
            await stopTicks.CancelAsync();
            await ticks.ContinueWith(_ => { }, TaskScheduler.Default);
            await victim.DisposeAsync();
            if (reconnected is not null)
            {
                await reconnected.DisposeAsync();
            }

            // Leave the app as the other tests of the collection expect it: both replicas up.
            using var restart = new CancellationTokenSource(Timeout);
            await fixture.App.ResourceCommands.ExecuteCommandAsync("wsgateway-2", KnownResourceCommands.StartCommand, restart.Token);
            await fixture.WaitForAllGatewaysInRotationAsync(restart.Token);
        }
    }

    private async Task<ScaleClient> ReconnectAsync(string user, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            // Each attempt is bounded, as a real client's is: in development the orchestrator's port proxy accepts a
            // connection for the stopped replica and holds it, until the front door's health probe takes it out.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                return await fixture.ConnectAsync(user, attempt.Token);
            }
            catch (Exception ex) when (ex is WebSocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // 502/503 while the front door still routes to the stopped replica: back off and retry, as clients do.
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    private async Task PublishTicksAsync(string marker, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (long sequence = 1; await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false); sequence++)
        {
            await fixture.PublishAsync(Channels.Global, "scale.tick", marker, sequence);
        }
    }

    private static long Sequence(System.Text.Json.JsonDocument message)
    {
        using (message)
        {
            return Sequence(message.RootElement);
        }
    }

    private static long Sequence(System.Text.Json.JsonElement message) => Notify.Data(message).GetProperty("seq").GetInt64();
}
