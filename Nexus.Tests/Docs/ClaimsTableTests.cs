using System.Reflection;
using System.Text.RegularExpressions;

namespace Nexus.Tests.Docs;

/// <summary>
/// docs/testing.md and SECURITY.md pair each promise with the tests that prove it. A test renamed or removed must not
/// leave a claim pointing at nothing: every test a row names exists, and every claim row names one.
/// </summary>
public sealed partial class ClaimsTableTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Theory]
    [InlineData("docs/testing.md")]
    [InlineData("SECURITY.md")]
    public void Every_test_a_claims_table_names_exists(string page)
    {
        var tests = typeof(ClaimsTableTests).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Tests", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => t.GetMethods().Where(IsTest).Select(m => m.Name).ToHashSet());
        // The benchmark harness's tests are another assembly, not referenced here: their names are read from the source.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "bench", "Nexus.Bench.Tests"), "*Tests.cs", SearchOption.AllDirectories))
        {
            var source = File.ReadAllText(file);
            tests[Path.GetFileNameWithoutExtension(file)] = SourceTestMethod().Matches(source).Select(m => m.Groups["method"].Value).ToHashSet();
        }

        var named = TestName().Matches(File.ReadAllText(Path.Combine(Root, page))).ToList();

        Assert.NotEmpty(named);
        var missing = named
            .Where(m => !tests.TryGetValue(m.Groups["class"].Value, out var methods) || (m.Groups["method"].Success && !methods.Contains(m.Groups["method"].Value)))
            .Select(m => m.Value)
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"{page} names tests that do not exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_row_of_the_claims_table_names_a_test()
    {
        var rows = File.ReadAllLines(Path.Combine(Root, "docs", "testing.md"))
            .SkipWhile(l => !l.StartsWith("## Claims", StringComparison.Ordinal))
            .TakeWhile(l => !l.StartsWith("## Mutation", StringComparison.Ordinal))
            .Where(l => l.StartsWith('|') && !l.StartsWith("| claim", StringComparison.Ordinal) && !l.StartsWith("|---", StringComparison.Ordinal))
            .ToList();

        Assert.True(rows.Count >= 30, $"only {rows.Count} rows");
        Assert.All(rows, row => Assert.True(TestName().IsMatch(row.Split('|')[^2]), $"a claim without a test: {row}"));
    }

    private static bool IsTest(MethodInfo method)
        => method.GetCustomAttributes().Any(a => a is FactAttribute);

    [GeneratedRegex(@"\[(?:Fact|Theory)[^\]]*\]\s*(?:\[[^\]]*\]\s*)*public (?:async )?[\w<>]+ (?<method>\w+)\(")]
    private static partial Regex SourceTestMethod();

    [GeneratedRegex(@"`(?<class>[A-Z][A-Za-z0-9]*Tests)(?:\.(?<method>[A-Za-z0-9_]+))?`")]
    private static partial Regex TestName();

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
