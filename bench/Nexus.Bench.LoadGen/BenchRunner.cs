using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Nexus.Bench.LoadGen.Report;
using Nexus.Bench.LoadGen.Scenarios;
using Nexus.Bench.LoadGen.Scenarios.Storm;
using Nexus.Bench.LoadGen.Servers;

namespace Nexus.Bench.LoadGen;

/// <summary>
/// Runs every scenario; within a scenario the servers take turns round after round (the order
/// rotates each round) so the ratios are taken under the same machine load.
/// </summary>
internal sealed class BenchRunner(BenchOptions options)
{
    private readonly List<RunResult> _results = [];
    private int _redisPort;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.OutDir);
        Console.WriteLine($"results: {options.OutDir}");
        await using var redis = await RedisProcess.StartAsync(Path.Combine(options.OutDir, "logs", "redis.log"));
        _redisPort = redis.Port;

        if (options.Scenarios.Contains("fanout"))
        {
            foreach (var n in options.FanOutSizes)
            {
                var scenario = new FanOutScenario(options, redis, "fanout", n, options.MessagesFor(n), rate: null);
                await RunRoundsAsync("fanout", n, options.Rounds, scenario.RunAsync, cancellationToken);
            }
        }

        if (options.Scenarios.Contains("moderate"))
        {
            var messages = (int)Math.Round(options.ModerateRate * options.ModerateSeconds);
            var scenario = new FanOutScenario(options, redis, "moderate", options.ModerateClients, messages, options.ModerateRate);
            await RunRoundsAsync("moderate", options.ModerateClients, options.Rounds, scenario.RunAsync, cancellationToken);
        }

        if (options.Scenarios.Contains("idle"))
        {
            var scenario = new IdleScenario(options.IdleConnections);
            await RunRoundsAsync("idle", options.IdleConnections, options.IdleRounds, scenario.RunAsync, cancellationToken);
        }

        if (options.Scenarios.Contains("storm"))
        {
            // Resume is Nexus's own (docs/protocol.md section 4.2): neither peer keeps a history to replay.
            if (options.Servers.Contains(ServerKind.Nexus))
            {
                var scenario = new StormScenario(options, redis);
                await RunRoundsAsync("storm", options.StormClients, options.Rounds, scenario.RunAsync, cancellationToken, [ServerKind.Nexus]);
            }
            else
            {
                Console.WriteLine("storm: not run (Nexus only: the peers have no resume, and nexus is not among --servers)");
            }
        }

        return Write();
    }

    private async Task RunRoundsAsync(
        string scenario,
        int clients,
        int rounds,
        Func<ServerUnderTest, int, CancellationToken, Task<RunResult>> run,
        CancellationToken cancellationToken,
        IReadOnlyList<ServerKind>? only = null)
    {
        var servers = only ?? options.Servers;
        for (var round = 1; round <= rounds; round++)
        {
            for (var k = 0; k < servers.Count; k++)
            {
                var kind = servers[(k + round - 1) % servers.Count];
                var log = Path.Combine(options.OutDir, "logs", $"{scenario}-{clients}-{kind.Name}-r{round}.log");
                Console.Write($"{scenario,-9} N={clients,-6} {kind.Name,-8} round {round}: ");
                RunResult result;
                try
                {
                    await using var server = await ServerUnderTest.StartAsync(kind, options, _redisPort, log);
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    limit.CancelAfter(TimeSpan.FromMinutes(5));
                    result = await run(server, round, limit.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    result = new RunResult { Scenario = scenario, Server = kind.Name, Clients = clients, Round = round, Error = ex.Message.Split('\n')[0] };
                }

                _results.Add(result);
                Console.WriteLine(Describe(result));
            }
        }
    }

    private static string Describe(RunResult r)
    {
        if (r.Error is not null)
        {
            return $"ERROR {r.Error}";
        }

        if (r.Scenario == "idle")
        {
            return $"{r.Connected} connected, {Ratios.Format(r.IdleKbPerConnection)} KB/conn (RSS {Ratios.Format(r.IdleRssBeforeMb)} -> {Ratios.Format(r.IdleRssAfterMb)} MB), " +
                   $"disconnected {r.ClientsDisconnected}";
        }

        if (r.Storm is { } s)
        {
            return $"{s.Reconnected} reconnected in {Ratios.Format(s.ReconnectSpreadSeconds)} s, recover p50 {Ratios.Format(s.RecoverP50Ms)} p99 {Ratios.Format(s.RecoverP99Ms)} " +
                   $"max {Ratios.Format(s.RecoverMaxMs)} ms, all in {Ratios.Format(s.AllRecoveredSeconds)} s, replayed {s.ReplayedMin}-{s.ReplayedMax} per client, " +
                   $"RSS {Ratios.Format(s.RssBeforeMb)} -> peak {Ratios.Format(s.PeakRssMb)} MB, live p99 {r.LatencyP99Us} µs, missing {r.Missing} dup {r.Duplicates} ooo {r.OutOfOrder}, " +
                   $"not recovered {s.NotRecovered}, disconnected {r.ClientsDisconnected}{(r.Stalled ? " STALLED" : "")}";
        }

        return $"{r.Deliveries} deliveries, {Ratios.Format(r.DeliveriesPerSecond)}/s, p50 {r.LatencyP50Us} p99 {r.LatencyP99Us} max {r.LatencyMaxUs} µs, " +
               $"{Ratios.Format(r.CpuUsPerDelivery)} µs CPU/delivery, missing {r.Missing} dup {r.Duplicates} ooo {r.OutOfOrder}, " +
               $"disconnected {r.ClientsDisconnected}, loadgen {Ratios.Format(r.LoadGenCores)} cores{(r.LoadGenSaturated ? " SATURATED" : "")}{(r.Stalled ? " STALLED" : "")}";
    }

    private int Write()
    {
        var summary = SummaryRow.From(_results);
        var reference = options.FanOutSizes.Contains(1000) ? 1000 : options.FanOutSizes.Max();
        var ratios = Ratios.Compute(summary, _results, reference, options.ModerateClients, options.IdleConnections);
        var failures = Correctness.Failures(_results);
        var report = new BenchReport(
            DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            options.CommandLine,
            Environment.ProcessorCount,
            RuntimeInformation.FrameworkDescription,
            _results,
            summary,
            ratios,
            StormSummaryRow.From(_results),
            failures);
        File.WriteAllText(Path.Combine(options.OutDir, "results.json"), JsonSerializer.Serialize(report, ResultsJsonContext.Default.BenchReport));
        File.WriteAllText(Path.Combine(options.OutDir, "results.md"), MarkdownReport.Build(report));
        Console.WriteLine();
        Console.WriteLine(MarkdownReport.Ratios(ratios));
        Console.WriteLine($"written: {Path.Combine(options.OutDir, "results.md")} and results.json");
        if (failures.Count == 0)
        {
            Console.WriteLine("correctness: no failure (missed targets above do not fail the run; only errors and wrong deliveries do)");
            return 0;
        }

        // Issue 16 item 4: a benchmark that can fail. Errors and wrong deliveries only; a missed target is timing, not a failure.
        Console.Error.WriteLine($"BENCHMARK FAILED: {failures.Count} runs went wrong");
        foreach (var failure in failures)
        {
            Console.Error.WriteLine($"  {failure}");
        }

        return 1;
    }
}
