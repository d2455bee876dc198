using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>Issue 15 item 4: the runner's gauges of waiting work, read from Redis, in-process with a real redis-server.</summary>
public sealed class RunnerGaugesTests
{
    private const string Active = "nexus.runner.sessions.active";
    private const string Pending = "nexus.runner.approvals.pending";
    private const string OldestAge = "nexus.runner.approvals.oldest_age";

    [Fact]
    public async Task Gauges_show_a_session_waiting_for_approval_and_the_age_of_its_request_until_it_is_decided()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Gauges:Interval"] = "00:00:00.100" });
        using var gauges = new GaugeReader(runner.Services);
        await Wait.UntilAsync(() => gauges.Read(Active) == 0 && gauges.Read(Pending) == 0 && gauges.Read(OldestAge) == 0, "the readings of an idle runner");

        await runner.RunAsync("alice", "write notes.txt hello");
        await Wait.UntilAsync(() => gauges.Read(Active) == 1 && gauges.Read(Pending) == 1, "one session waiting on one request");
        await Wait.UntilAsync(() => gauges.Read(OldestAge) >= 0.5, "the request growing older");

        var (_, listed) = await runner.GetAsync("/api/approvals", "bob");
        var requestId = Assert.Single(listed.GetProperty("approvals").EnumerateArray()).GetProperty("requestId").GetString();
        var (decided, _) = await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        await Wait.UntilAsync(() => gauges.Read(Active) == 0 && gauges.Read(Pending) == 0 && gauges.Read(OldestAge) == 0, "nothing waiting once decided");

        // Without Redis the gauges say nothing rather than repeat the last figure as if it were current.
        await redis.StopAsync();
        await Wait.UntilAsync(() => gauges.Read(Pending) is null && gauges.Read(Active) is null, "no reading while Redis is away");
        await redis.RestartAsync();
        await Wait.UntilAsync(() => gauges.Read(Pending) == 0, "readings again once Redis is back", TimeSpan.FromSeconds(30));
    }

    /// <summary>Observes one host's <c>Nexus.AgentRunner</c> gauges on demand (matched by its meter factory).</summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, double> _values = [];
        private readonly Lock _gate = new();

        public GaugeReader(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Nexus.AgentRunner" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _values[instrument.Name] = value);
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _values[instrument.Name] = value);
            _listener.Start();
        }

        /// <summary>The gauge's value now, or null when it reports none.</summary>
        public double? Read(string name)
        {
            lock (_gate)
            {
                _values.Clear();
                _listener.RecordObservableInstruments();
                return _values.TryGetValue(name, out var value) ? value : null;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
