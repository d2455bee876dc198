using Nexus.Client;
using Nexus.Tests.Identity;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Clients;

/// <summary>
/// Issue 14, "reconnect" and "token refresh": with a publisher running, the .NET client survives a gateway restart and
/// a cut socket, resuming with no gap and no duplicate and its filter set again; after the history is lost it signals
/// a re-sync; an expiring token is replaced on reconnect. Each test has its own Redis, runner and gateway.
/// </summary>
public sealed class NexusClientReconnectTests : IAsyncLifetime
{
    private ClientStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ClientStack.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task After_a_gateway_restart_the_client_resumes_with_no_gap_no_duplicate_and_its_filter()
    {
        await using var client = await _stack.ConnectAsync("rita");
        await using var log = new NotificationLog(client);
        var reconnected = Record<NexusReconnectedEventArgs>(h => client.Reconnected += h);
        var resyncs = Record<NexusResyncEventArgs>(h => client.ResyncRequired += h);
        await client.UnsubscribeAsync(["noise"]);
        await using var publisher = new Publisher(_stack);
        await Wait.UntilAsync(() => log.Items.Count(n => n.Id is not null) >= 20, "live traffic before the restart");

        await _stack.RestartGatewayAsync();

        await Wait.UntilAsync(() => !reconnected.IsEmpty, "the client reconnected", TimeSpan.FromSeconds(30));
        var seenAtReconnect = log.Items.Count;
        await Wait.UntilAsync(() => log.Items.Count >= seenAtReconnect + 20, "live traffic after the restart");
        await publisher.StopAsync();
        var final = await _stack.PublishEventAsync("global", "final");
        await log.WaitForAsync(n => n.Id == final, "the final notification");

        Assert.True(Assert.Single(reconnected).Resumed);
        Assert.Empty(resyncs);
        Assert.Equal(["noise"], client.Filter.Exclude);
        await AssertNoGapNoDuplicateAsync(log, allowed: c => c is "global" or "user:rita");
    }

    [Fact]
    public async Task After_the_socket_is_cut_the_client_resumes_with_no_gap_and_no_duplicate()
    {
        await using var cutter = new TcpCutter(_stack.GatewayPort);
        var options = _stack.Options("sam");
        options.Url = new Uri($"ws://127.0.0.1:{cutter.Port}/ws");
        await using var client = new NexusClient(options);
        await using var log = new NotificationLog(client);
        var reconnected = Record<NexusReconnectedEventArgs>(h => client.Reconnected += h);
        await _stack.StartAndRegisterAsync(client, "sam");
        await client.SubscribeAsync(["global", "user:sam"]);
        await using var publisher = new Publisher(_stack);

        for (var cut = 1; cut <= 3; cut++)
        {
            var before = log.Items.Count;
            await Wait.UntilAsync(() => log.Items.Count >= before + 10, $"live traffic before cut {cut}");
            Assert.Equal(1, cutter.CutAll());
            await Wait.UntilAsync(() => reconnected.Count >= cut, $"reconnect after cut {cut}", TimeSpan.FromSeconds(30));
        }

        var seen = log.Items.Count;
        await Wait.UntilAsync(() => log.Items.Count >= seen + 10, "live traffic after the last cut");
        await publisher.StopAsync();
        var final = await _stack.PublishEventAsync("global", "final");
        await log.WaitForAsync(n => n.Id == final, "the final notification");

        Assert.All(reconnected, r => Assert.True(r.Resumed));
        Assert.Equal(["global", "user:sam"], client.Filter.Include);
        await AssertNoGapNoDuplicateAsync(log, allowed: c => c is "global" or "user:sam");
    }

    [Fact]
    public async Task When_the_history_lost_the_last_id_the_client_signals_a_resync_once_reconnected()
    {
        await using var client = await _stack.ConnectAsync("ursula");
        await using var log = new NotificationLog(client);
        var resyncs = Record<NexusResyncEventArgs>(h => client.ResyncRequired += h);
        var reconnected = Record<NexusReconnectedEventArgs>(h => client.Reconnected += h);
        var callInHandler = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ResyncRequired += async _ => callInHandler.TrySetResult((await client.ListAgentsAsync()).Count);
        var lastSeen = await _stack.PublishEventAsync("global", "before");
        await log.WaitForAsync(n => n.Id == lastSeen, "the notification before the outage");

        // While the client is away, Redis loses the history (as a restart without persistence does) and life goes on.
        await _stack.StopGatewayAsync();
        await _stack.LoseHistoryAsync();
        await _stack.PublishEventAsync("global", "missed");
        await _stack.StartGatewayAsync();

        var resync = await WaitForSingleAsync(resyncs, "the re-sync signal");
        Assert.Equal(NexusResyncReason.HistoryLost, resync.Reason);
        Assert.Equal(lastSeen, resync.LastId);
        Assert.False(Assert.Single(reconnected).Resumed);
        // The handler can call the gateway: the connection is ready when the signal fires.
        Assert.Equal(0, await callInHandler.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain(log.Items, n => n.Event == "missed");

        // Live traffic flows again, and the next reconnect resumes from the new history.
        var after = await _stack.PublishEventAsync("global", "after");
        await log.WaitForAsync(n => n.Id == after, "a notification after the re-sync");
        Assert.Equal(after, client.LastNotificationId);
    }

    [Fact]
    public async Task A_client_that_never_received_a_durable_notification_is_told_to_resync_after_a_reconnect()
    {
        await using var client = await _stack.ConnectAsync("victor");
        var resyncs = Record<NexusResyncEventArgs>(h => client.ResyncRequired += h);

        await _stack.RestartGatewayAsync();

        var resync = await WaitForSingleAsync(resyncs, "the re-sync signal");
        Assert.Equal(NexusResyncReason.NoPosition, resync.Reason);
        Assert.Null(resync.LastId);
    }

    [Fact]
    public async Task An_expiring_token_is_replaced_on_reconnect_and_nothing_is_missed()
    {
        var issued = new ConcurrentQueueOfTokens();
        var options = _stack.Options(user: null);
        // The first token lives 5 s (4 to 5: exp is in whole seconds), the next ones 10 minutes.
        options.AccessTokenProvider = _ => ValueTask.FromResult<string?>(
            issued.Issue(Tokens.Create("tina", lifetime: issued.Count == 0 ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(10))));
        await using var client = new NexusClient(options);
        await using var log = new NotificationLog(client);
        var reconnected = Record<NexusReconnectedEventArgs>(h => client.Reconnected += h);
        var reconnecting = Record<Exception?>(h => client.Reconnecting += h);
        await _stack.StartAndRegisterAsync(client, "tina");
        var first = await _stack.PublishEventAsync("user:tina", "first");
        await log.WaitForAsync(n => n.Id == first, "a notification on the first token");

        // The gateway closes the socket with 1008 when the token expires; the client asks for a new one.
        await Wait.UntilAsync(() => !reconnecting.IsEmpty, "the token expired", TimeSpan.FromSeconds(15));
        var duringOutage = await _stack.PublishEventAsync("user:tina", "during");
        await Wait.UntilAsync(() => !reconnected.IsEmpty, "reconnected with a new token", TimeSpan.FromSeconds(15));

        Assert.Contains("1008", Assert.Single(reconnecting)?.Message, StringComparison.Ordinal);
        Assert.Equal(2, issued.Count);
        Assert.Equal(issued.Count, issued.Distinct);
        Assert.True(reconnected.First().Resumed);
        await log.WaitForAsync(n => n.Id == duringOutage, "the notification published while reconnecting");
        Assert.Equal(NexusConnectionState.Connected, client.State);
    }

    private async Task AssertNoGapNoDuplicateAsync(NotificationLog log, Func<string, bool> allowed)
    {
        var seen = log.Items.Where(n => n.Id is not null).Select(n => ClientStack.EntryId(n.Id!)).ToList();
        var expected = (await _stack.HistoryAsync()).Where(e => allowed(e.Channel)).Select(e => e.EntryId).ToList();
        var first = expected.IndexOf(seen[0]);
        Assert.True(first >= 0, "the first id seen is in the history");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(expected[first..], seen);
    }

    private static System.Collections.Concurrent.ConcurrentQueue<T> Record<T>(Action<Func<T, Task>> subscribe)
    {
        var queue = new System.Collections.Concurrent.ConcurrentQueue<T>();
        subscribe(args =>
        {
            queue.Enqueue(args);
            return Task.CompletedTask;
        });
        return queue;
    }

    private static async Task<T> WaitForSingleAsync<T>(System.Collections.Concurrent.ConcurrentQueue<T> queue, string what)
    {
        await Wait.UntilAsync(() => !queue.IsEmpty, what, TimeSpan.FromSeconds(30));
        return Assert.Single(queue);
    }

    private sealed class ConcurrentQueueOfTokens
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _tokens = new();

        public int Count => _tokens.Count;

        public int Distinct => _tokens.Distinct().Count();

        public string Issue(string token)
        {
            _tokens.Enqueue(token);
            return token;
        }
    }

    /// <summary>Publishes durably, about 100 a second, on <c>global</c>, <c>noise</c> and a user channel, until stopped.</summary>
    private sealed class Publisher : IAsyncDisposable
    {
        private static readonly string[] s_channels = ["global", "noise", "user:rita", "user:sam", "user:someone-else"];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _running;

        public Publisher(ClientStack stack) => _running = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            for (var i = 0; await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default); i++)
            {
                await stack.PublishAsync(s_channels[i % s_channels.Length], $$"""{"event":"tick","data":{{i}}}""");
            }
        });

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _running;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }
}
