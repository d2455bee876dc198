using System.Text.Json.Serialization;

namespace Nexus.Bench.LoadGen.Report;

/// <summary>Everything one invocation measured, as written to results.json.</summary>
internal sealed record BenchReport(
    string Date,
    string CommandLine,
    int ProcessorCount,
    string Runtime,
    IReadOnlyList<RunResult> Runs,
    IReadOnlyList<SummaryRow> Summary,
    IReadOnlyList<RatioRow> Ratios,
    IReadOnlyList<StormSummaryRow> Storm,
    IReadOnlyList<string> Failures);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class ResultsJsonContext : JsonSerializerContext;
