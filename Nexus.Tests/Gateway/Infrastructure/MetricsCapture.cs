using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>
/// Sums the measurements of one host's <c>Nexus.Gateway</c> meter, and of Kestrel's (for <c>kestrel.active_connections</c>),
/// matched by the meter factory, so parallel hosts do not mix. Also per value of a <c>reason</c> tag.
/// </summary>
public sealed class MetricsCapture : IDisposable
{
    private static readonly string[] s_meters = ["Nexus.Gateway", "Microsoft.AspNetCore.Server.Kestrel"];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();

    public MetricsCapture(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (s_meters.Contains(instrument.Meter.Name) && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.Start();
    }

    public double Sum(string instrument) => _sums.TryGetValue(instrument, out var sum) ? sum : 0;

    /// <summary>The sum of the measurements whose <c>reason</c> tag is <paramref name="reason"/>.</summary>
    public double Sum(string instrument, string reason) => Sum($"{instrument}[reason={reason}]");

    private void Add(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        _sums.AddOrUpdate(instrument, value, (_, sum) => sum + value);
        foreach (var tag in tags)
        {
            if (tag.Key == "reason")
            {
                _sums.AddOrUpdate($"{instrument}[reason={tag.Value}]", value, (_, sum) => sum + value);
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
