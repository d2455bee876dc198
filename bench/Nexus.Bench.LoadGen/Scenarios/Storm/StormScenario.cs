using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Nexus.Bench.LoadGen.Clients;
using Nexus.Bench.LoadGen.Measure;
using Nexus.Bench.LoadGen.Report;
using Nexus.Bench.LoadGen.Servers;
using Nexus.Contracts.History;

namespace Nexus.Bench.LoadGen.Scenarios.Storm;

/// <summary>
/// Issue 12's reconnect storm: N clients connect and receive durable notifications; all of them go away at once (their
/// sockets aborted); M notifications are published; then all N reconnect within a window of a few seconds, each sending
/// <c>notify.resume</c> with the last id it received as its first message (docs/protocol.md section 4.2), while live
/// notifications keep coming at a modest rate. Measured per client: from its reconnect start to having the resume result
/// and all M missed notifications; for the gateway: its memory during the storm. Checked per client: exactly the M missed
/// ids, in order, once each, <c>recovered: true</c> with <c>replayed</c> equal to what came before the result, then the live
/// ones with no gap. Nexus only: the peers have no history and no resume.
/// </summary>
internal sealed class StormScenario(BenchOptions options, RedisProcess redis)
{
    private static readonly TimeSpan RecoverTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LiveAfter = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(30);

    public async Task<RunResult> RunAsync(ServerUnderTest server, int round, CancellationToken cancellationToken)
    {
        var clients = options.StormClients;
        var missed = options.StormMissed;
        var result = new RunResult { Scenario = "storm", Server = server.Kind.Name, Clients = clients, Round = round };

        // Live notifications run from the storm's start until every client settled (or the deadline), and a little after.
        var liveCapacity = (int)Math.Ceiling(options.StormLiveRate * (RecoverTimeout + LiveAfter + TimeSpan.FromSeconds(5)).TotalSeconds) + 1;
        using var run = new StormRun(clients, missed, missed + liveCapacity);
        var ids = new string?[run.Capacity];

        // Resume needs ids, so the storm always publishes durably (--plain-publish leaves it alone).
        var publisher = new BenchPublisher(redis.Connection, plain: false);
        await using var reconnections = ClientFleet.Empty();
        await using (var first = await ClientFleet.ConnectAsync(clients, server.Endpoint, server.Kind, 4096, TimeSpan.FromSeconds(180), cancellationToken))
        {
            result = result with { Connected = first.Connected, ConnectFailed = first.Failed };
            if (first.Failed > clients / 100)
            {
                return result with { Error = $"{first.Failed} of {clients} clients failed to connect: {first.FirstError}" };
            }

            foreach (var client in first.Clients)
            {
                run.Clients[client.Index].MarkFirstConnected();
            }

            first.Start(run.FirstSink);
            if (await WarmUpAsync(run, publisher, cancellationToken) is { } lastWarmId)
            {
                var expected = Encoding.UTF8.GetBytes(lastWarmId);
                var wrongResumePoint = run.Clients.Count(c => c.FirstConnected && c.FirstCloseReason is null && !c.LastId.SequenceEqual(expected));
                if (wrongResumePoint > 0)
                {
                    return result with { Error = $"{wrongResumePoint} clients did not read the id {lastWarmId} of the last warm-up notification from its frame" };
                }
            }
            else
            {
                return result with { Error = "clients did not receive the warm-up notifications within 60 s" };
            }

            // Everyone away at once: every socket aborted, no close handshake (a network blip, a replica gone).
            run.EndFirstConnections();
        }

        await Task.Delay(1000, cancellationToken);
        for (var seq = 0; seq < missed; seq++)
        {
            ids[seq] = await publisher.PublishAsync(seq, cancellationToken);
        }

        if (missed > 0 && !TrySetIds(run, ids[0]!))
        {
            return result with { Error = $"the durable publish returned an id of an unexpected form: {ids[0]}" };
        }

        // The gateway takes the missed notifications into its history cache from its subscription; give it a moment.
        await Task.Delay(1000, cancellationToken);

        var rssBefore = ProcStats.RssBytes(server.Pid);
        using var stopSampling = new CancellationTokenSource();
        var peakRss = SamplePeakRssAsync(server.Pid, stopSampling.Token);
        using var stopLive = new CancellationTokenSource();
        var cpuStart = CpuSnapshot.Take(server.Pid, redis.Pid);
        var live = PublishLiveAsync(publisher, run, ids, stopLive.Token, cancellationToken);

        var launched = await LaunchAsync(run, server, reconnections, cancellationToken).WaitAsync(TimeSpan.FromSeconds(options.StormWindowSeconds + 30), cancellationToken);
        await Task.WhenAll(launched).WaitAsync(ReconnectTimeout + TimeSpan.FromSeconds(10), cancellationToken);
        var settled = await WaitSettledAsync(run, cpuStart.Timestamp, cancellationToken);
        var cpuEnd = CpuSnapshot.Take(server.Pid, redis.Pid);

        await Task.Delay(LiveAfter, cancellationToken);
        await stopLive.CancelAsync();
        var published = await live;
        var drained = await DrainAsync(run, published, cancellationToken);
        await stopSampling.CancelAsync();
        var peak = Math.Max(await peakRss, rssBefore);

        run.EndReconnections();
        var storm = Finish(run, rssBefore, peak);
        var counts = DeliveryCounts.Of(run.Clients.Select(c => c.Deliveries), published);
        var firstDrops = run.Clients.Where(c => c.FirstCloseReason is not null).ToList();
        var latency = run.LiveLatency.Merge();
        var cpu = CpuWindow.Between(cpuStart, cpuEnd);
        return result with
        {
            Published = published,
            Deliveries = counts.Deliveries,
            WallSeconds = cpu.WallSeconds,
            LatencyP50Us = latency.Count > 0 ? latency.ValueAt(0.50) : null,
            LatencyP99Us = latency.Count > 0 ? latency.ValueAt(0.99) : null,
            LatencyMaxUs = latency.Count > 0 ? latency.Max : null,
            Missing = counts.Missing,
            Duplicates = counts.Duplicates + run.Clients.Sum(c => c.Stale),
            OutOfOrder = counts.OutOfOrder,
            Unexpected = counts.Unexpected,
            ClientsWithGaps = counts.ClientsWithGaps,
            ClientsDisconnected = counts.Disconnected + firstDrops.Count,
            FirstCloseReason = firstDrops.FirstOrDefault()?.FirstCloseReason is { } firstReason ? $"first connection: {firstReason}" : counts.FirstCloseReason,
            ServerCpuSeconds = cpu.ServerSeconds,
            ServerCores = cpu.ServerCores,
            RedisCpuSeconds = cpu.RedisSeconds,
            LoadGenCores = cpu.LoadGenCores,
            MachineBusy = cpu.MachineBusyShare,
            LoadGenSaturated = cpu.LoadGenSaturated,
            Stalled = !settled || !drained,
            ServerPeakRssMb = server.HasExited ? null : ProcStats.PeakRssBytes(server.Pid) / 1048576.0,
            Storm = storm,
            Error = IdsDense(run, ids, published) ? null : "the history's ids were not dense over the run (another durable publisher?): ids cannot be checked",
        };
    }

    /// <summary>Warm-up notifications until every client has one, a short burst, then until every client has the last.</summary>
    /// <returns>The id of the last, which every client then resumes from; null when they did not all get it in time.</returns>
    private static async Task<string?> WarmUpAsync(StormRun run, BenchPublisher publisher, CancellationToken cancellationToken)
    {
        var index = 0;
        string? id = null;
        var deadline = Stopwatch.StartNew();
        while (!run.AllWarm(0))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return null;
            }

            id = await publisher.PublishAsync(-1 - index++, cancellationToken);
            await Task.Delay(100, cancellationToken);
        }

        // A few more so the gateway's fan-out path is compiled; the resume path is met cold, as after a restart.
        for (var k = 0; k < 20; k++)
        {
            id = await publisher.PublishAsync(-1 - index++, cancellationToken);
            await Task.Delay(10, cancellationToken);
        }

        var last = index - 1;
        var settle = Stopwatch.StartNew();
        while (!run.AllWarm(last))
        {
            if (settle.Elapsed > TimeSpan.FromSeconds(30))
            {
                return null;
            }

            await Task.Delay(20, cancellationToken);
        }

        return id;
    }

    private static bool TrySetIds(StormRun run, string firstId)
    {
        if (!HistoryId.TryParse(firstId, out var id))
        {
            return false;
        }

        run.SetIds(id.Value.Epoch, id.Value.Sequence);
        return true;
    }

    /// <summary>
    /// Starts every reconnect at its moment, evenly spread over the window; returns their tasks once all are started. The
    /// starts come from a thread of their own, so that a thread pool busy with the replays does not stretch the window.
    /// </summary>
    private Task<Task[]> LaunchAsync(StormRun run, ServerUnderTest server, ClientFleet reconnections, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, run.Clients.Length).Where(i => run.Clients[i].FirstConnected).ToArray();
        var window = TimeSpan.FromSeconds(options.StormWindowSeconds);
        var started = new TaskCompletionSource<Task[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var launcher = new Thread(() =>
        {
            var tasks = new Task[order.Length];
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < order.Length; k++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    started.SetCanceled(cancellationToken);
                    return;
                }

                var wait = (window * k / order.Length) - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    Thread.Sleep(wait);
                }

                // Runs on this thread up to the TCP connect's first wait, the rest on the thread pool.
                tasks[k] = ReconnectAsync(run, order[k], server, reconnections, cancellationToken);
            }

            started.SetResult(tasks);
        })
        {
            IsBackground = true,
            Name = "storm launcher",
        };
        launcher.Start();
        return started.Task;
    }

    /// <summary>One client: a new connection, then <c>notify.resume</c> from its last id as its first message.</summary>
    private static async Task ReconnectAsync(StormRun run, int index, ServerUnderTest server, ClientFleet reconnections, CancellationToken cancellationToken)
    {
        var state = run.Clients[index];
        var request = ResumeWire.Request(state.LastId);
        state.ReconnectStart = Stopwatch.GetTimestamp();
        WsClient? client = null;
        try
        {
            using var one = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            one.CancelAfter(ReconnectTimeout);
            // resume=1 declares the resume at the upgrade (docs/protocol.md section 3), as Nexus's clients do: the gateway
            // then holds live notifications for it however late the storm lets the first message arrive.
            var path = server.Kind.PathFor(index);
            path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "resume=1";
            client = await WsClient.ConnectAsync(index, SourceAddresses.For(index), server.Endpoint, path, signalR: false, 4096, one.Token);
            state.UpgradedAt = Stopwatch.GetTimestamp();
            await client.SendTextAsync(request, one.Token);
            reconnections.Join(client, run.StormSink);
            client = null;
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidOperationException or OperationCanceledException)
        {
            state.ReconnectError = ex is OperationCanceledException ? $"no connection within {ReconnectTimeout.TotalSeconds} s" : ex.Message;
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Live notifications at the storm's rate from seq M on, until stopped; returns how many were published in all.</summary>
    private async Task<long> PublishLiveAsync(BenchPublisher publisher, StormRun run, string?[] ids, CancellationToken stop, CancellationToken cancellationToken)
    {
        var seq = run.Missed;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var k = 0; seq < run.Capacity; k++)
            {
                var due = TimeSpan.FromSeconds(k / options.StormLiveRate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stop);
                }

                stop.ThrowIfCancellationRequested();
                // Not cancelled by stop: a publish that was sent counts, whether or not its reply was read.
                ids[seq] = await publisher.PublishAsync(seq, cancellationToken);
                seq++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Stopped between two publishes.
        }

        return seq;
    }

    /// <summary>Until every client settled (<see cref="StormClient.Settled"/>) or <see cref="RecoverTimeout"/>; false on the timeout.</summary>
    private static async Task<bool> WaitSettledAsync(StormRun run, long start, CancellationToken cancellationToken)
    {
        while (!run.Clients.Where(c => c.FirstConnected).All(c => c.Settled))
        {
            if (Stopwatch.GetElapsedTime(start) > RecoverTimeout)
            {
                return false;
            }

            await Task.Delay(10, cancellationToken);
        }

        return true;
    }

    /// <summary>Until every reconnected client still open has all <paramref name="published"/>; false when nothing moved for 5 s.</summary>
    private static async Task<bool> DrainAsync(StormRun run, long published, CancellationToken cancellationToken)
    {
        var open = run.Clients.Where(c => c.FirstConnected && c.ReconnectError is null).ToList();
        long last = -1;
        var since = Stopwatch.StartNew();
        while (true)
        {
            var waiting = open.Where(c => !c.Deliveries.Closed && c.Deliveries.Received < published).ToList();
            if (waiting.Count == 0)
            {
                return true;
            }

            var received = open.Sum(c => c.Deliveries.Received);
            if (received != last)
            {
                last = received;
                since.Restart();
            }
            else if (since.Elapsed > StallTimeout)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The gateway's highest VmRSS, sampled every 20 ms until stopped.</summary>
    private static async Task<long> SamplePeakRssAsync(int pid, CancellationToken stop)
    {
        long peak = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, ProcStats.RssBytes(pid));
                await Task.Delay(20, stop);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (IOException)
        {
            // The process is gone; what was sampled stands.
        }

        return peak;
    }

    /// <summary>True when the ids of seq 0 .. published-1 are the history's dense sequence, as <see cref="StormRun.IdMatches"/> assumes.</summary>
    private static bool IdsDense(StormRun run, string?[] ids, long published)
    {
        for (var seq = 0; seq < published; seq++)
        {
            if (ids[seq] is not { } id || !run.IdMatches(Encoding.UTF8.GetBytes(id), seq))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The clients that did not recover, by what went wrong, e.g. "3 with recovered: true and replayed 0 whose missed never came".</summary>
    private static string? NotRecoveredWhy(List<StormClient> clients)
    {
        var why = clients
            .Where(c => c.RecoveredAt == 0)
            .GroupBy(c => c switch
            {
                { ReconnectError: not null } => "no connection",
                { ErrorReply: not null } => "an error reply",
                { Deliveries.Closed: true } => "closed by the server",
                { Results: 0 } => "no result",
                { Recovered: false } => "recovered: false",
                { Replayed: 0 } => "recovered: true, replayed 0, the missed never came",
                _ => "recovered: true, some missed never came",
            })
            .Select(g => $"{g.Count()} {g.Key}")
            .ToList();
        return why.Count == 0 ? null : string.Join(", ", why);
    }

    private StormFigures Finish(StormRun run, long rssBefore, long peakRss)
    {
        var reconnecting = run.Clients.Where(c => c.FirstConnected).ToList();
        var recover = new LatencyHistogram();
        var upgrade = new LatencyHistogram();
        long firstStart = long.MaxValue, lastStart = 0, lastRecovered = 0;
        foreach (var c in reconnecting)
        {
            firstStart = Math.Min(firstStart, c.ReconnectStart);
            lastStart = Math.Max(lastStart, c.ReconnectStart);
            if (c.RecoverMilliseconds is { } ms)
            {
                recover.Record((long)(ms * 1000));
                lastRecovered = Math.Max(lastRecovered, c.RecoveredAt);
            }

            if (c.UpgradeMilliseconds is { } up)
            {
                upgrade.Record((long)(up * 1000));
            }
        }

        var withResult = reconnecting.Where(c => c.Replayed is not null).ToList();
        var failed = reconnecting.Where(c => c.ReconnectError is not null).ToList();
        var errors = reconnecting.Where(c => c.ErrorReply is not null).ToList();
        var allRecovered = recover.Count == reconnecting.Count && reconnecting.Count > 0;
        return new StormFigures
        {
            MissedPerClient = run.Missed,
            LiveRate = options.StormLiveRate,
            WindowSeconds = options.StormWindowSeconds,
            ReconnectSpreadSeconds = reconnecting.Count == 0 ? 0 : Stopwatch.GetElapsedTime(firstStart, lastStart).TotalSeconds,
            Reconnected = reconnecting.Count - failed.Count,
            ReconnectFailed = failed.Count,
            FirstReconnectError = failed.FirstOrDefault()?.ReconnectError,
            NotRecovered = reconnecting.Count - (int)recover.Count,
            NotRecoveredWhy = NotRecoveredWhy(reconnecting),
            FirstNotMissed = run.Missed == 0 ? 0 : reconnecting.Count(c => c.FirstSeq > 0 || c.FirstSeq < -1),
            RecoverP50Ms = recover.Count > 0 ? recover.ValueAt(0.50) / 1000.0 : null,
            RecoverP99Ms = recover.Count > 0 ? recover.ValueAt(0.99) / 1000.0 : null,
            RecoverMaxMs = recover.Count > 0 ? recover.Max / 1000.0 : null,
            UpgradeP50Ms = upgrade.Count > 0 ? upgrade.ValueAt(0.50) / 1000.0 : null,
            UpgradeP99Ms = upgrade.Count > 0 ? upgrade.ValueAt(0.99) / 1000.0 : null,
            AllRecoveredSeconds = allRecovered ? Stopwatch.GetElapsedTime(firstStart, lastRecovered).TotalSeconds : null,
            Replayed = withResult.Sum(c => c.Replayed!.Value),
            ReplayedMin = withResult.Count > 0 ? withResult.Min(c => c.Replayed!.Value) : null,
            ReplayedMax = withResult.Count > 0 ? withResult.Max(c => c.Replayed!.Value) : null,
            ReplayCountMismatches = withResult.Count(c => c.Replayed > c.BeforeResult || c.Results > 1),
            MissedAfterResult = withResult.Count(c => c.MissedAt > c.ResultAt),
            IdMismatches = reconnecting.Sum(c => c.IdMismatches),
            ResumeErrors = errors.Count,
            FirstResumeError = errors.FirstOrDefault()?.ErrorReply,
            RssBeforeMb = rssBefore / 1048576.0,
            PeakRssMb = peakRss / 1048576.0,
        };
    }
}
