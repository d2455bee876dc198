using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nexus.Bench.Micro;

/// <summary>
/// Bytes allocated per operation divided by the <c>Recipients</c> parameter: the figure issue 5
/// asks for (the aim is zero; a constant per message shows as a value falling with N).
/// </summary>
public sealed class AllocatedPerRecipientColumn : IColumn
{
    public string Id => nameof(AllocatedPerRecipientColumn);

    public string ColumnName => "Alloc/recipient";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Metric;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Size;

    public string Legend => "Bytes allocated per operation divided by the number of recipients";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var recipients = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Recipients")?.Value as int?;
        if (report is null || recipients is not > 0)
        {
            return "n/a";
        }

        var bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        return bytes is null ? "n/a" : (bytes.Value / (double)recipients.Value).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " B";
    }
}
