namespace Nexus.AgentRunner.Hosting;

/// <summary>Configuration section <c>Gauges</c>: how the runner's gauges of waiting work are read.</summary>
internal sealed class GaugeOptions
{
    public const string SectionName = "Gauges";

    /// <summary>How often the gauges read Redis (default 5 s); exporters report the latest reading.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
}
