namespace Nexus.Tests.Docs;

/// <summary>
/// Issue 15 item 3: every performance figure in README.md and docs/*.md comes from bench/RESULTS.md. Runs with the
/// other tests under ./test.sh; a failure names the doc, the line and the figure.
/// </summary>
public sealed class DocsFiguresTests
{
    private static readonly string Root = FindRepositoryRoot();
    private static readonly string Results = File.ReadAllText(Path.Combine(Root, "bench", DocsFigures.ResultsName));

    [Fact]
    public void Every_performance_figure_in_the_docs_appears_in_the_benchmark_results()
    {
        var docs = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Append(Path.Combine(Root, "README.md")).ToList();

        var problems = docs.SelectMany(path => DocsFigures.Unsupported(Path.GetRelativePath(Root, path), File.ReadAllText(path), Results)).ToList();

        Assert.True(problems.Count == 0, "Figures that bench/RESULTS.md does not support:\n" + string.Join("\n", problems));
        // The check has something to check: the scaling page quotes the benchmark.
        Assert.NotEmpty(DocsFigures.Find(File.ReadAllText(Path.Combine(Root, "docs", "scaling.md"))));
    }

    [Fact]
    public void A_figure_that_the_results_do_not_contain_is_reported_with_its_line()
    {
        var fixture = File.ReadAllText(Path.Combine(Root, "Nexus.Tests", "Docs", "Fixtures", "wrong-figure.md"));

        var problems = DocsFigures.Unsupported("wrong-figure.md", fixture, Results);

        Assert.Equal(["wrong-figure.md:6: '62,000 deliveries/s' does not appear in bench/RESULTS.md"], problems);
    }

    [Fact]
    public void Figures_are_numbers_with_units_of_measurement_and_ranges_count_twice()
    {
        var figures = DocsFigures.Find("CPU 3.8-5.9 µs, 181-247k/s, 180.8 MB peak, p99 19.9 ms, 20 msg/s; limits: 16 KiB, 100 requests/s, 3 s.");

        Assert.Equal(["3.8-5.9 µs", "180.8 MB", "19.9 ms", "20 msg/s"], figures.Select(f => f.Text));
        Assert.Equal(["3.8", "5.9"], figures[0].Numbers);
    }

    [Fact]
    public void A_doc_that_quotes_figures_must_name_the_results()
    {
        var problems = DocsFigures.Unsupported("page.md", "One replica: 464,165 deliveries/s.", Results);

        Assert.Equal(["page.md: quotes benchmark figures without naming bench/RESULTS.md"], problems);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Nexus.slnx above {AppContext.BaseDirectory}");
    }
}
