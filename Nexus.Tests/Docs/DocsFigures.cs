using System.Text.RegularExpressions;

namespace Nexus.Tests.Docs;

/// <summary>
/// Issue 15 item 3: one source for each figure. A performance figure in the docs is a number with a unit of
/// measurement: KB, MB or GB (memory), µs or ms (CPU and latency), deliveries/s or msg/s (throughput); a range
/// such as <c>3.8-5.9 µs</c> is two. Each must appear, as written, among the numbers of bench/RESULTS.md, and a
/// doc that quotes any must name RESULTS.md. Limits and settings are not measurements: write sizes in KiB or MiB
/// and rates in requests/s, and the check leaves them alone. Fenced code is not prose and is skipped.
/// </summary>
internal static partial class DocsFigures
{
    public const string ResultsName = "RESULTS.md";

    /// <summary>Every figure of <paramref name="markdown"/> that <paramref name="results"/> does not contain, as "doc:line: figure".</summary>
    public static IReadOnlyList<string> Unsupported(string docName, string markdown, string results)
    {
        var known = Number().Matches(results).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var figures = Find(markdown);
        var problems = figures
            .Where(f => f.Numbers.Any(n => !known.Contains(n)))
            .Select(f => $"{docName}:{f.Line}: '{f.Text}' does not appear in bench/{ResultsName}")
            .ToList();
        if (figures.Count > 0 && !markdown.Contains(ResultsName, StringComparison.Ordinal))
        {
            problems.Add($"{docName}: quotes benchmark figures without naming bench/{ResultsName}");
        }

        return problems;
    }

    public static IReadOnlyList<Figure> Find(string markdown)
    {
        var figures = new List<Figure>();
        var fenced = false;
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                figures.AddRange(FigureWithUnit().Matches(lines[i]).Select(m => new Figure(
                    i + 1,
                    m.Value,
                    m.Groups["upper"].Success ? [m.Groups["number"].Value, m.Groups["upper"].Value] : [m.Groups["number"].Value])));
            }
        }

        return figures;
    }

    /// <summary>A figure as the doc writes it, on its 1-based line, with the numbers to find in the results.</summary>
    public sealed record Figure(int Line, string Text, IReadOnlyList<string> Numbers);

    // 464,165 or 1.80 or 9 (not the tail of a longer number or a version).
    private const string NumberPattern = @"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";

    [GeneratedRegex(@"(?<![\w.,])(?:" + NumberPattern + ")")]
    private static partial Regex Number();

    [GeneratedRegex(
        @"(?<![\w.,])(?<number>" + NumberPattern + @")(?:\s?[-–]\s?(?<upper>" + NumberPattern + @"))?\s?(?:KB|MB|GB|[µμ]s|ms|deliveries/s|deliveries per second|msg/s)(?!\w)")]
    private static partial Regex FigureWithUnit();
}
