using System.Diagnostics;
using Nexus.Bench.LoadGen.Clients;
using Nexus.Bench.LoadGen.Measure;
using Nexus.Bench.LoadGen.Report;
using Nexus.Bench.LoadGen.Servers;

namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>
/// N clients connected; the publisher sends M messages on <c>nexus:notify:global</c>, either as fast
/// as the in-flight window allows (<paramref name="rate"/> null) or at a fixed rate; then every
/// figure of issue 5 is taken over the window from the first publish to the last delivery.
/// </summary>
internal sealed class FanOutScenario(BenchOptions options, RedisProcess redis, string name, int clients, int messages, double? rate)
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);

    public async Task<RunResult> RunAsync(ServerUnderTest server, int round, CancellationToken cancellationToken)
    {
        var result = new RunResult { Scenario = name, Server = server.Kind.Name, Clients = clients, Round = round };
        await using var fleet = await ClientFleet.ConnectAsync(clients, server.Endpoint, server.Kind, 8192, TimeSpan.FromSeconds(120), cancellationToken);
        result = result with { Connected = fleet.Connected, ConnectFailed = fleet.Failed };
        if (fleet.Failed > clients / 100)
        {
            return result with { Error = $"{fleet.Failed} of {clients} clients failed to connect: {fleet.FirstError}" };
        }

        using var run = new FanOutRun(clients, messages, fleet.Clients.Select(c => c.Index));
        fleet.Start(run);
        var publisher = new BenchPublisher(redis.Connection, options.PlainPublish);
        if (!await WarmUpAsync(run, publisher, cancellationToken))
        {
            return Finish(result, run, 0, default, server) with { Error = "clients did not receive the warm-up messages within 60 s" };
        }

        var start = CpuSnapshot.Take(server.Pid, redis.Pid);
        var (published, stalled) = rate is { } perSecond
            ? await PublishAtRateAsync(run, publisher, perSecond, cancellationToken)
            : await PublishWindowedAsync(run, publisher, cancellationToken);
        stalled |= !await DrainAsync(run, published, cancellationToken);
        var end = CpuSnapshot.Take(server.Pid, redis.Pid);
        return Finish(result, run, published, CpuWindow.Between(start, end), server, start.Timestamp) with { Stalled = stalled };
    }

    private async Task<bool> WarmUpAsync(FanOutRun run, BenchPublisher publisher, CancellationToken cancellationToken)
    {
        // First until every client has one (the server's subscription is live), then a short burst so
        // the server's fan-out path is compiled before anything is measured.
        var deadline = Stopwatch.StartNew();
        while (!run.AllWarm(0))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return false;
            }

            await publisher.PublishAsync(-1, cancellationToken);
            await Task.Delay(100, cancellationToken);
        }

        // Enough calls for tiered compilation to promote the hot path, capped so big fleets do not wait long.
        var warmMessages = Math.Clamp(50_000 / clients, 20, 100);
        for (var k = 1; k <= warmMessages; k++)
        {
            await publisher.PublishAsync(-1 - k, cancellationToken);
            await Task.Delay(10, cancellationToken);
        }

        // Then a sustained rate for a while, unmeasured, so every server is in its steady state when the window
        // opens: compiled at its final tier, its pools and buffers grown.
        var sustainedRate = Math.Max(rate ?? 0, options.WarmupDeliveriesPerSecond / clients);
        var sustained = (int)(sustainedRate * options.WarmupSeconds);
        var clock = Stopwatch.StartNew();
        for (var k = 1; k <= sustained; k++)
        {
            var due = TimeSpan.FromSeconds(k / sustainedRate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await publisher.PublishAsync(-1 - warmMessages - k, cancellationToken);
        }

        var lastWarm = warmMessages + sustained;
        var settle = Stopwatch.StartNew();
        while (!run.AllWarm(lastWarm))
        {
            if (settle.Elapsed > TimeSpan.FromSeconds(60))
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }

        // Let the background tier-1 compilations finish outside the measured window.
        await Task.Delay(1000, cancellationToken);
        return true;
    }

    private async Task<(long Published, bool Stalled)> PublishWindowedAsync(FanOutRun run, BenchPublisher publisher, CancellationToken cancellationToken)
    {
        var window = BenchOptions.WindowFor(clients);
        var clock = Stopwatch.StartNew();
        for (long seq = 0; seq < messages; seq++)
        {
            if (clock.Elapsed.TotalSeconds > options.MaxSeconds)
            {
                return (seq, false);
            }

            if (seq >= window && !await WaitCompleteAsync(run, seq - window, cancellationToken))
            {
                return (seq, true);
            }

            await publisher.PublishAsync(seq, cancellationToken);
        }

        return (messages, false);
    }

    private async Task<(long Published, bool Stalled)> PublishAtRateAsync(FanOutRun run, BenchPublisher publisher, double perSecond, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (long seq = 0; seq < messages; seq++)
        {
            var due = TimeSpan.FromSeconds(seq / perSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            if (run.Live == 0)
            {
                return (seq, true);
            }

            await publisher.PublishAsync(seq, cancellationToken);
        }

        return (messages, false);
    }

    /// <summary>Waits until every live client has <paramref name="seq"/>; false when nothing moved for <see cref="StallTimeout"/>.</summary>
    private static async Task<bool> WaitCompleteAsync(FanOutRun run, long seq, CancellationToken cancellationToken)
    {
        var last = -1;
        var since = Stopwatch.StartNew();
        while (true)
        {
            var done = run.CompletionOf(seq);
            if (done >= run.Live)
            {
                return true;
            }

            if (done != last)
            {
                last = done;
                since.Restart();
            }
            else if (since.Elapsed > StallTimeout)
            {
                return false;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private static async Task<bool> DrainAsync(FanOutRun run, long published, CancellationToken cancellationToken)
    {
        for (var seq = Math.Max(0, published - 256); seq < published; seq++)
        {
            if (!await WaitCompleteAsync(run, seq, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    private static RunResult Finish(RunResult result, FanOutRun run, long published, CpuWindow cpu, ServerUnderTest server, long startTimestamp = 0)
    {
        var connected = run.States.Where(s => s.Connected).ToList();
        var counts = DeliveryCounts.Of(connected, published);
        var deliveries = counts.Deliveries;
        var lastReceive = connected.Count == 0 ? startTimestamp : connected.Max(s => s.LastReceive);
        var wall = startTimestamp == 0 ? 0 : Math.Max(Stopwatch.GetElapsedTime(startTimestamp, lastReceive).TotalSeconds, 1e-6);
        var latency = run.Latency.Merge();
        return result with
        {
            Published = published,
            Deliveries = deliveries,
            WallSeconds = wall,
            DeliveriesPerSecond = wall > 0 ? deliveries / wall : null,
            LatencyP50Us = latency.ValueAt(0.50),
            LatencyP99Us = latency.ValueAt(0.99),
            LatencyMaxUs = latency.Max,
            Missing = counts.Missing,
            Duplicates = counts.Duplicates,
            OutOfOrder = counts.OutOfOrder,
            Unexpected = counts.Unexpected,
            ClientsWithGaps = counts.ClientsWithGaps,
            ClientsDisconnected = counts.Disconnected,
            FirstCloseReason = counts.FirstCloseReason,
            ServerCpuSeconds = cpu.ServerSeconds,
            CpuUsPerDelivery = deliveries > 0 ? cpu.ServerSeconds * 1e6 / deliveries : null,
            ServerCores = cpu.ServerCores,
            RedisCpuSeconds = cpu.RedisSeconds,
            LoadGenCores = cpu.LoadGenCores,
            MachineBusy = cpu.MachineBusyShare,
            LoadGenSaturated = cpu.LoadGenSaturated,
            ServerPeakRssMb = server.HasExited ? null : ProcStats.PeakRssBytes(server.Pid) / 1048576.0,
        };
    }
}
