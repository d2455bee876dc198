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

        text.AppendLine();
        text.AppendLine("## Every run");
        text.AppendLine();
        text.AppendLine("| scenario | N | server | round | connected | published | deliveries | deliveries/s | p99 µs | CPU µs/delivery | server cores | redis CPU s | loadgen cores | machine busy | stalled | notes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Runs)
        {
            var notes = r.Error ?? (r.ClientsDisconnected > 0 ? $"{r.ClientsDisconnected} disconnected: {r.FirstCloseReason}" : "");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Clients} | {r.Server} | {r.Round} | {r.Connected} | {r.Published?.ToString(CultureInfo.InvariantCulture) ?? ""} | {r.Deliveries?.ToString(CultureInfo.InvariantCulture) ?? ""} | {F(r.DeliveriesPerSecond)} | {F(r.LatencyP99Us)} | {F(r.CpuUsPerDelivery)} | {F(r.ServerCores)} | {F(r.RedisCpuSeconds)} | {F(r.LoadGenCores)} | {F(r.MachineBusy)} | {(r.Stalled ? "yes" : "")} | {notes.Replace('|', '/').Replace('\n', ' ')} |");
        }

        return text.ToString();
    }

    private static string F(double? value) => Report.Ratios.Format(value);
}
