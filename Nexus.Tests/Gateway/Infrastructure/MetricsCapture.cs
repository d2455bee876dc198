using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>Sums the measurements of one host's <c>Nexus.Gateway</c> meter (matched by the meter factory, so parallel hosts do not mix).</summary>
public sealed class MetricsCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();

    public MetricsCapture(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Nexus.Gateway" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        _listener.Start();
    }

    public double Sum(string instrument) => _sums.TryGetValue(instrument, out var sum) ? sum : 0;

    public void Dispose() => _listener.Dispose();
}
