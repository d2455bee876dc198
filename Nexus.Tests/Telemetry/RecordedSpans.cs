using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Nexus.Tests.Telemetry;

/// <summary>
/// What an exporter would receive: every span a host's tracer provider recorded (sampled), behind the real sampler and
/// instrumentation filters of ServiceDefaults. Added to several in-process hosts at once, it keeps each span once.
/// </summary>
internal sealed class RecordedSpans : BaseProcessor<Activity>
{
    private readonly ConcurrentDictionary<ActivitySpanId, Activity> _spans = new();

    public IReadOnlyList<Activity> Snapshot() => [.. _spans.Values.OrderBy(a => a.StartTimeUtc)];

    public override void OnEnd(Activity data)
    {
        // The export processors skip what is not sampled in the same way.
        if (data.Recorded)
        {
            _spans.TryAdd(data.SpanId, data);
        }
    }

    public static string Describe(IEnumerable<Activity> spans)
        => string.Join("\n", spans.Select(a => $"  {a.Source.Name} {a.Kind} '{a.DisplayName}' trace {a.TraceId} parent {a.ParentSpanId}"));
}
