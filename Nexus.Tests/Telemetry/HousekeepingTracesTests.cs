using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Contracts;
using Nexus.Tests.Agents;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Proxy;
using Nexus.Tests.Runner;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Nexus.Tests.Telemetry;

/// <summary>
/// Issue 15 item 1: traces show the work. The front door, gateway and runner run in this process with the real
/// ServiceDefaults and intervals short enough that their periodic calls pile up (YARP probes /health of both every
/// second, the runner sweeps approvals every 100 ms and beats every 200 ms, its gauges read Redis every 200 ms, a
/// readiness check polls /health and /alive). None of that may record a span; one agent.run then records one trace
/// holding the gateway's call, the runner, Redis and the fan-out.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class HousekeepingTracesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // What Aspire hands every service in development; ServiceDefaults' sampler must win over it.
    private static readonly KeyValuePair<string, string?> AspireSampler = new("OTEL_TRACES_SAMPLER", "always_on");

    [Fact]
    public async Task An_idle_app_records_no_trace_and_one_agent_run_records_one_trace_from_the_call_to_the_fan_out()
    {
        var spans = new RecordedSpans();
        void Record(IServiceCollection services) => services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(spans));

        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(
            redis,
            new Dictionary<string, string?>
            {
                ["Runner:HeartbeatInterval"] = "00:00:00.200",
                ["Runner:HeartbeatTtl"] = "00:00:01",
                ["Approvals:SweepInterval"] = "00:00:00.100",
                ["Gauges:Interval"] = "00:00:00.200",
                [AspireSampler.Key] = AspireSampler.Value,
            },
            Record);
        await using var gateway = await GatewayHost.StartAsync(
            redis,
            new Dictionary<string, string?>
            {
                ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
                ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
                [AspireSampler.Key] = AspireSampler.Value,
            },
            configure: builder => Record(builder.Services));
        await using var proxy = await ProxyHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Proxy:GatewayAddress"] = gateway.HttpAddress.GetLeftPart(UriPartial.Authority),
                ["Proxy:RunnerAddress"] = runner.Address.GetLeftPart(UriPartial.Authority),
                ["Proxy:HealthCheckInterval"] = "00:00:01",
                [AspireSampler.Key] = AspireSampler.Value,
            },
            Record);
        using var gatewayProbes = new HealthRequests(gateway.App.Services);
        using var runnerProbes = new HealthRequests(runner.Services);
        // INFO is an admin command to StackExchange.Redis.
        await using var stats = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        using var readiness = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Idle: only housekeeping runs, until plenty of each kind has happened. A readiness check, as an orchestrator
        // makes, is one more caller of /health and /alive.
        for (var i = 0; i < 5; i++)
        {
            foreach (var address in new[] { gateway.HttpAddress, runner.Address, proxy.Address })
            {
                (await readiness.GetAsync(new Uri(address, "/alive"))).EnsureSuccessStatusCode();
                (await readiness.GetAsync(new Uri(address, "/health"))).EnsureSuccessStatusCode();
            }
        }

        var seen = "";
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    var calls = await CommandCallsAsync(stats);
                    seen = $"Redis {string.Join(", ", calls.Select(c => $"{c.Key}={c.Value}"))}; /health gateway={gatewayProbes.Count} runner={runnerProbes.Count}";
                    return calls.GetValueOrDefault("zrangebyscore") >= 100 // approval sweeps
                        && calls.GetValueOrDefault("setex") >= 40          // heartbeats
                        && calls.GetValueOrDefault("scard") >= 40          // gauge reads
                        && gatewayProbes.Count >= 15 && runnerProbes.Count >= 15; // 5 of them the readiness checks
                },
                "probes, sweeps, heartbeats and gauge reads",
                Timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "; seen: " + seen, ex);
        }

        var idle = spans.Snapshot();
        Assert.True(idle.Count == 0, "Housekeeping recorded spans:\n" + RecordedSpans.Describe(idle));

        await using var alice = await gateway.ConnectAsync("alice");
        var sessionId = await alice.RunAsync("echo traced");
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);

        var rpc = await WaitForSpanAsync(spans, s => s.Source.Name == "Nexus.Gateway" && s.DisplayName == "rpc agent.run", "the gateway's rpc agent.run");
        var trace = rpc.TraceId;
        await WaitForSpanAsync(
            spans,
            s => s.TraceId == trace && s.Kind == ActivityKind.Server && (string?)s.GetTagItem("http.route") == "/api/sessions",
            "the runner's POST /api/sessions");
        await WaitForSpanAsync(
            spans,
            s => s.TraceId == trace && s.DisplayName == "agent.session" && (string?)s.GetTagItem("nexus.session.id") == sessionId,
            "the runner's agent.session");
        await WaitForSpanAsync(
            spans,
            // Durable publish: the nexus_publish function (docs/protocol.md section 1.1).
            s => s.TraceId == trace && s.Source.Name == "OpenTelemetry.Instrumentation.StackExchangeRedis" && s.DisplayName == "FCALL",
            "a Redis FCALL (the durable publish)");
        await WaitForSpanAsync(
            spans,
            s => s.TraceId == trace && s.Kind == ActivityKind.Consumer && (string?)s.GetTagItem("nexus.event") == EventNames.AgentCompleted,
            "the fan-out of agent.completed");

        // The Redis spans above were flushed after every command of the idle phase: nothing else was recorded since.
        var all = spans.Snapshot();
        Assert.True(all.All(s => s.TraceId == trace), "Spans outside the agent.run trace:\n" + RecordedSpans.Describe(all.Where(s => s.TraceId != trace)));
        Assert.Equal(rpc.SpanId, Assert.Single(all, s => s.ParentSpanId == default).SpanId);
        Assert.Contains(all, s => s.Source.Name == "OpenTelemetry.Instrumentation.StackExchangeRedis" && s.DisplayName != "FCALL");
    }

    private static async Task<Activity> WaitForSpanAsync(RecordedSpans spans, Func<Activity, bool> match, string what)
    {
        Activity? found = null;
        await Wait.UntilAsync(
            () => (found = spans.Snapshot().FirstOrDefault(match)) is not null,
            $"{what} among the recorded spans; recorded:\n{RecordedSpans.Describe(spans.Snapshot())}",
            Timeout);
        return found!;
    }

    /// <summary>Calls per command served by redis-server so far (INFO commandstats), lower-case command names.</summary>
    private static async Task<Dictionary<string, long>> CommandCallsAsync(ConnectionMultiplexer redis)
    {
        var info = await redis.GetServers()[0].InfoAsync("commandstats");
        return info.SelectMany(group => group)
            .Where(kv => kv.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(
                kv => kv.Key["cmdstat_".Length..],
                kv => long.Parse(kv.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Requests to <c>/health</c> one host served, from its own ASP.NET Core metrics: the probes made no spans, and
    /// this shows they kept their metrics.
    /// </summary>
    private sealed class HealthRequests : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public HealthRequests(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "http.server.request.duration" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "http.route" && (string?)tag.Value == "/health")
                    {
                        Interlocked.Increment(ref _count);
                    }
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
