namespace Nexus.Bench.LoadGen.Report;

/// <summary>One target of issue 5: a ratio of medians (or an absolute count) and whether it is met.</summary>
internal sealed record RatioRow(string Figure, string Target, double? Value, bool? Met, string Detail);

/// <summary>The target table of issue 5, computed from the medians of one invocation.</summary>
internal static class Ratios
{
    public static IReadOnlyList<RatioRow> Compute(IReadOnlyList<SummaryRow> rows, IReadOnlyList<RunResult> runs, int referenceClients, int moderateClients, int idleClients)
    {
        SummaryRow? Find(string scenario, int clients, string server)
            => rows.FirstOrDefault(r => r.Scenario == scenario && r.Clients == clients && r.Server == server);

        RatioRow Ratio(string figure, string scenario, int clients, string a, string b, Func<SummaryRow, double?> pick, double target, bool atMost)
        {
            var x = Find(scenario, clients, a) is { } ra ? pick(ra) : null;
            var y = Find(scenario, clients, b) is { } rb ? pick(rb) : null;
            var value = x is not null && y is > 0 ? x / y : null;
            var met = value is null ? (bool?)null : atMost ? value <= target : value >= target;
            var targetText = (atMost ? "<= " : ">= ") + target.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            return new RatioRow($"{figure}, {a} / {b} ({scenario}, N={clients})", targetText, value, met, $"{Format(x)} / {Format(y)}");
        }

        var nexusRuns = runs.Where(r => r.Server == "nexus" && r.Error is null && r.Missing is not null).ToList();
        long? missing = nexusRuns.Count > 0 ? nexusRuns.Sum(r => r.Missing!.Value) : null;
        return
        [
            Ratio("server CPU per delivery", "fanout", referenceClients, "nexus", "signalr", r => r.CpuUsPerDelivery, 0.35, atMost: true),
            Ratio("deliveries per second", "fanout", referenceClients, "nexus", "signalr", r => r.DeliveriesPerSecond, 2.5, atMost: false),
            Ratio("server CPU per delivery", "fanout", referenceClients, "nexus", "bare", r => r.CpuUsPerDelivery, 1.3, atMost: true),
            Ratio("server CPU per delivery", "moderate", moderateClients, "nexus", "signalr", r => r.CpuUsPerDelivery, 0.6, atMost: true),
            Ratio("idle RSS per connection", "idle", idleClients, "nexus", "signalr", r => r.IdleKbPerConnection, 0.35, atMost: true),
            Ratio("p99 latency", "moderate", moderateClients, "nexus", "signalr", r => r.LatencyP99Us, 1.0, atMost: true),
            new RatioRow("messages missing, over every client that connected (nexus, all runs)", "= 0", missing, missing is null ? null : missing == 0, $"{nexusRuns.Count} runs"),
            // For orientation: the two peers against each other.
            Ratio("server CPU per delivery", "fanout", referenceClients, "bare", "signalr", r => r.CpuUsPerDelivery, 1, atMost: true),
            Ratio("idle RSS per connection", "idle", idleClients, "bare", "signalr", r => r.IdleKbPerConnection, 1, atMost: true),
        ];
    }

    public static string Format(double? value) => value switch
    {
        null => "n/a",
        >= 1000 => value.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
    };
}
