using System.Globalization;
using System.Text;

namespace Nexus.Bench.LoadGen.Report;

/// <summary>results.md: the target ratios first, then the medians, then every run.</summary>
internal static class MarkdownReport
{
    public static string Ratios(IReadOnlyList<RatioRow> ratios)
    {
        var text = new StringBuilder();
        text.AppendLine("| figure | target | measured | met | medians |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var r in ratios)
        {
            var met = r.Met switch { true => "yes", false => "**no**", null => "n/a" };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Figure} | {r.Target} | {Report.Ratios.Format(r.Value)} | {met} | {r.Detail} |");
        }

        return text.ToString();
    }

    public static string Build(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Nexus benchmark results, {report.Date}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `bench/run.sh {report.CommandLine}`; {report.ProcessorCount} cores; {report.Runtime}.");
        text.AppendLine();
        text.AppendLine("## Correctness");
        text.AppendLine();
        text.AppendLine(Failures(report.Failures));
        text.AppendLine();
        text.AppendLine("## Targets of issue 5 (ratios of medians)");
        text.AppendLine();
        text.Append(Ratios(report.Ratios));
        text.AppendLine();
        text.AppendLine("## Medians per scenario and server");
        text.AppendLine();
        text.AppendLine("| scenario | N | server | rounds | deliveries/s | p50 µs | p99 µs | max µs | CPU µs/delivery | server CPU s | peak RSS MB | idle KB/conn | missing | dup | out-of-order | disconnected | loadgen cores | loadgen saturated | errors |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Summary)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Clients} | {r.Server} | {r.Rounds} | {F(r.DeliveriesPerSecond)} | {F(r.LatencyP50Us)} | {F(r.LatencyP99Us)} | {F(r.LatencyMaxUs)} | {F(r.CpuUsPerDelivery)} | {F(r.ServerCpuSeconds)} | {F(r.ServerPeakRssMb)} | {F(r.IdleKbPerConnection)} | {r.Missing?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} | {r.Duplicates?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} | {r.OutOfOrder?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} | {r.ClientsDisconnected} | {F(r.LoadGenCores)} | {(r.LoadGenSaturated ? "yes" : "no")} | {r.Errors} |");
        }

        if (report.Storm.Count > 0)
        {
            text.AppendLine();
            text.Append(Storm(report));
        }

        text.AppendLine();
        text.AppendLine("## Every run");
        text.AppendLine();
        text.AppendLine("| scenario | N | server | round | connected | published | deliveries | deliveries/s | p99 µs | CPU µs/delivery | server cores | redis CPU s | loadgen cores | machine busy | stalled | notes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Runs)
        {
            var notes = string.Join("; ", Correctness.Problems(r));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Clients} | {r.Server} | {r.Round} | {r.Connected} | {r.Published?.ToString(CultureInfo.InvariantCulture) ?? ""} | {r.Deliveries?.ToString(CultureInfo.InvariantCulture) ?? ""} | {F(r.DeliveriesPerSecond)} | {F(r.LatencyP99Us)} | {F(r.CpuUsPerDelivery)} | {F(r.ServerCores)} | {F(r.RedisCpuSeconds)} | {F(r.LoadGenCores)} | {F(r.MachineBusy)} | {(r.Stalled ? "yes" : "")} | {notes.Replace('|', '/').Replace('\n', ' ')} |");
        }

        return text.ToString();
    }

    /// <summary>The correctness verdict: what made the run fail, or that nothing did.</summary>
    public static string Failures(IReadOnlyList<string> failures)
    {
        if (failures.Count == 0)
        {
            return "No failure: every run ran, and every client that connected got every message once and in order, with no "
                   + "disconnect (in the storm: every client recovered, with the right ids and replayed counts).";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"**FAILED**, {failures.Count} runs:");
        text.AppendLine();
        foreach (var failure in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {failure.Replace('\n', ' ')}");
        }

        return text.ToString().TrimEnd();
    }

    private static string Storm(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine("## Reconnect storm (issue 12; Nexus only, the peers have no resume)");
        text.AppendLine();
        text.AppendLine("Medians over rounds. Recover: from a client's reconnect start (before its TCP connect) to having the resume result and every missed notification. Peak RSS: the gateway's VmRSS sampled every 20 ms from just before the storm to the end of the drain.");
        text.AppendLine();
        text.AppendLine("| N | server | rounds | missed per client | reconnect spread s | recover p50 ms | recover p99 ms | recover max ms | upgrade p50 / p99 ms | all recovered s | RSS before MB | peak RSS MB | server CPU s | redis CPU s | live p99 µs | missing | dup | out-of-order | not recovered | errors |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Storm)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Clients} | {r.Server} | {r.Rounds} | {r.MissedPerClient} | {F(r.ReconnectSpreadSeconds)} | {F(r.RecoverP50Ms)} | {F(r.RecoverP99Ms)} | {F(r.RecoverMaxMs)} | {F(r.UpgradeP50Ms)} / {F(r.UpgradeP99Ms)} | {F(r.AllRecoveredSeconds)} | {F(r.RssBeforeMb)} | {F(r.PeakRssMb)} | {F(r.ServerCpuSeconds)} | {F(r.RedisCpuSeconds)} | {F(r.LiveP99Us)} | {r.Missing} | {r.Duplicates} | {r.OutOfOrder} | {r.NotRecovered} | {r.Errors} |");
        }

        text.AppendLine();
        text.AppendLine("| N | server | round | reconnected | failed | replayed per client (min-max) | replayed total | published (missed + live) | recover p50 / p99 / max ms | all recovered s | peak RSS MB | live rate /s | stalled | notes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Runs.Where(r => r.Scenario == "storm"))
        {
            var s = r.Storm;
            var notes = string.Join("; ", Correctness.Problems(r));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Clients} | {r.Server} | {r.Round} | {s?.Reconnected} | {s?.ReconnectFailed} | {s?.ReplayedMin}-{s?.ReplayedMax} | {s?.Replayed} | {r.Published} | {F(s?.RecoverP50Ms)} / {F(s?.RecoverP99Ms)} / {F(s?.RecoverMaxMs)} | {F(s?.AllRecoveredSeconds)} | {F(s?.PeakRssMb)} | {F(s?.LiveRate)} | {(r.Stalled ? "yes" : "")} | {notes.Replace('|', '/').Replace('\n', ' ')} |");
        }

        return text.ToString();
    }

    private static string F(double? value) => Report.Ratios.Format(value);
}
