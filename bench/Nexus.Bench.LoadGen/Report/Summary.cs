namespace Nexus.Bench.LoadGen.Report;

/// <summary>Medians over the rounds of one scenario, size and server (the storm has its own: <see cref="StormSummaryRow"/>).</summary>
internal sealed record SummaryRow(
    string Scenario,
    int Clients,
    string Server,
    int Rounds,
    double? DeliveriesPerSecond,
    double? LatencyP50Us,
    double? LatencyP99Us,
    double? LatencyMaxUs,
    double? CpuUsPerDelivery,
    double? ServerCpuSeconds,
    double? ServerPeakRssMb,
    double? IdleKbPerConnection,
    long? Missing,
    long? Duplicates,
    long? OutOfOrder,
    int ClientsDisconnected,
    double? LoadGenCores,
    bool LoadGenSaturated,
    int Errors)
{
    public static IReadOnlyList<SummaryRow> From(IEnumerable<RunResult> results)
        => results
            .Where(r => r.Scenario != "storm")
            .GroupBy(r => (r.Scenario, r.Clients, r.Server))
            .Select(g =>
            {
                var ok = g.Where(r => r.Error is null).ToList();
                return new SummaryRow(
                    g.Key.Scenario,
                    g.Key.Clients,
                    g.Key.Server,
                    ok.Count,
                    Median(ok.Select(r => r.DeliveriesPerSecond)),
                    Median(ok.Select(r => (double?)r.LatencyP50Us)),
                    Median(ok.Select(r => (double?)r.LatencyP99Us)),
                    Median(ok.Select(r => (double?)r.LatencyMaxUs)),
                    Median(ok.Select(r => r.CpuUsPerDelivery)),
                    Median(ok.Select(r => r.ServerCpuSeconds)),
                    Median(ok.Select(r => r.ServerPeakRssMb)),
                    Median(ok.Select(r => r.IdleKbPerConnection)),
                    ok.Any(r => r.Missing is not null) ? ok.Sum(r => r.Missing ?? 0) : null,
                    ok.Any(r => r.Duplicates is not null) ? ok.Sum(r => r.Duplicates ?? 0) : null,
                    ok.Any(r => r.OutOfOrder is not null) ? ok.Sum(r => r.OutOfOrder ?? 0) : null,
                    ok.Sum(r => r.ClientsDisconnected),
                    Median(ok.Select(r => r.LoadGenCores)),
                    ok.Any(r => r.LoadGenSaturated),
                    g.Count(r => r.Error is not null));
            })
            .ToList();

    public static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
