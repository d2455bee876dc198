namespace Nexus.Bench.LoadGen.Measure;

/// <summary>One histogram per thread that receives, merged when the run ends.</summary>
internal sealed class LatencyRecorder : IDisposable
{
    private readonly ThreadLocal<LatencyHistogram> _perThread = new(() => new LatencyHistogram(), trackAllValues: true);

    public void Record(long micros) => _perThread.Value!.Record(micros);

    public LatencyHistogram Merge()
    {
        var merged = new LatencyHistogram();
        foreach (var histogram in _perThread.Values)
        {
            merged.Add(histogram);
        }

        return merged;
    }

    public void Dispose() => _perThread.Dispose();
}
