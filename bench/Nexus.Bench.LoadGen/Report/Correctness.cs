using System.Globalization;

namespace Nexus.Bench.LoadGen.Report;

/// <summary>
/// What makes the benchmark fail (issue 16 item 4): a run that could not be made, or any delivery that went wrong. Timing
/// never does: the targets of issue 5 are reported, met or not, and a machine busy with other work only makes them noisy.
/// </summary>
internal static class Correctness
{
    /// <summary>One line per run that failed, naming the scenario, size, server and round and every count that is not 0.</summary>
    public static IReadOnlyList<string> Failures(IEnumerable<RunResult> runs)
    {
        var failures = new List<string>();
        foreach (var r in runs)
        {
            var problems = Problems(r);
            if (problems.Count > 0)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{r.Scenario} N={r.Clients} {r.Server} round {r.Round}: {string.Join(", ", problems)}"));
            }
        }

        return failures;
    }

    /// <summary>Every correctness problem of one run, as "count what" phrases; empty when it delivered everything right.</summary>
    public static IReadOnlyList<string> Problems(RunResult r)
    {
        var problems = new List<string>();
        void Count(long? count, string what)
        {
            if (count is > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {what}"));
            }
        }

        if (r.Error is not null)
        {
            problems.Add($"error: {r.Error}");
        }

        Count(r.Missing, "missing");
        Count(r.Duplicates, "duplicated");
        Count(r.OutOfOrder, "out of order");
        Count(r.Unexpected, "never published");
        if (r.ClientsDisconnected > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{r.ClientsDisconnected} clients disconnected by the server ({r.FirstCloseReason})"));
        }

        if (r.Storm is { } s)
        {
            if (s.ReconnectFailed > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{s.ReconnectFailed} reconnects failed ({s.FirstReconnectError})"));
            }

            if (s.NotRecovered > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{s.NotRecovered} clients not recovered ({s.NotRecoveredWhy})"));
            }

            Count(s.FirstNotMissed, "clients whose first notification after the reconnect was not the first they missed");
            Count(s.ReplayCountMismatches, "resume results with a replayed count larger than what arrived before them (or a second result)");
            Count(s.MissedAfterResult, "clients that got a missed notification after the resume result");
            Count(s.IdMismatches, "notifications with a wrong id");
            if (s.ResumeErrors > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{s.ResumeErrors} resume errors ({s.FirstResumeError})"));
            }
        }

        return problems;
    }
}
