namespace Nexus.Bench.LoadGen.Report;

/// <summary>Medians over the rounds of the reconnect storm (one row per size and server; only Nexus runs it).</summary>
internal sealed record StormSummaryRow(
    int Clients,
    string Server,
    int Rounds,
    int MissedPerClient,
    double? ReconnectSpreadSeconds,
    double? RecoverP50Ms,
    double? RecoverP99Ms,
    double? RecoverMaxMs,
    double? UpgradeP50Ms,
    double? UpgradeP99Ms,
    double? AllRecoveredSeconds,
    double? RssBeforeMb,
    double? PeakRssMb,
    double? ServerCpuSeconds,
    double? RedisCpuSeconds,
    double? LiveP99Us,
    long Missing,
    long Duplicates,
    long OutOfOrder,
    int NotRecovered,
    int Errors)
{
    public static IReadOnlyList<StormSummaryRow> From(IEnumerable<RunResult> results)
        => results
            .Where(r => r.Scenario == "storm")
            .GroupBy(r => (r.Clients, r.Server))
            .Select(g =>
            {
                var ok = g.Where(r => r.Error is null && r.Storm is not null).ToList();
                double? Median(Func<StormFigures, double?> pick) => SummaryRow.Median(ok.Select(r => pick(r.Storm!)));
                return new StormSummaryRow(
                    g.Key.Clients,
                    g.Key.Server,
                    ok.Count,
                    ok.FirstOrDefault()?.Storm!.MissedPerClient ?? 0,
                    Median(s => s.ReconnectSpreadSeconds),
                    Median(s => s.RecoverP50Ms),
                    Median(s => s.RecoverP99Ms),
                    Median(s => s.RecoverMaxMs),
                    Median(s => s.UpgradeP50Ms),
                    Median(s => s.UpgradeP99Ms),
                    Median(s => s.AllRecoveredSeconds),
                    Median(s => s.RssBeforeMb),
                    Median(s => s.PeakRssMb),
                    SummaryRow.Median(ok.Select(r => r.ServerCpuSeconds)),
                    SummaryRow.Median(ok.Select(r => r.RedisCpuSeconds)),
                    SummaryRow.Median(ok.Select(r => (double?)r.LatencyP99Us)),
                    ok.Sum(r => r.Missing ?? 0),
                    ok.Sum(r => r.Duplicates ?? 0),
                    ok.Sum(r => r.OutOfOrder ?? 0),
                    ok.Sum(r => r.Storm!.NotRecovered),
                    g.Count(r => r.Error is not null));
            })
            .ToList();
}
