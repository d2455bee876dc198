using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Telemetry;

/// <summary>
/// Gauges of the work that waits, over every runner replica (issue 15): sessions running or waiting for an approval,
/// approval requests pending, and the age of the oldest. The state is in Redis, so every replica reports the same
/// figures (read one, never sum them). An observable gauge cannot await, so this loop reads Redis every
/// <c>Gauges:Interval</c> and the gauges report its latest reading; after a failed read they report nothing rather
/// than a stale figure. These reads are housekeeping: they make no traces (ServiceDefaults' HousekeepingSampler).
/// </summary>
internal sealed partial class RunnerGauges : BackgroundService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ApprovalStore _approvals;
    private readonly IOptions<GaugeOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RunnerGauges> _logger;
    private volatile Reading? _last;

    public RunnerGauges(
        IMeterFactory meterFactory,
        IConnectionMultiplexer redis,
        ApprovalStore approvals,
        IOptions<GaugeOptions> options,
        TimeProvider timeProvider,
        ILogger<RunnerGauges> logger)
    {
        _redis = redis;
        _approvals = approvals;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;

        var meter = meterFactory.Create(RunnerTelemetry.Name);
        meter.CreateObservableGauge(
            "nexus.runner.sessions.active", () => Observe(r => r.ActiveSessions), "{session}",
            "Sessions running or waiting for an approval, on every runner replica.");
        meter.CreateObservableGauge(
            "nexus.runner.approvals.pending", () => Observe(r => r.PendingApprovals), "{request}",
            "Approval requests waiting for a decision.");
        meter.CreateObservableGauge(
            "nexus.runner.approvals.oldest_age", () => Observe(OldestAgeSeconds), "s",
            "Age of the oldest approval request waiting for a decision; 0 when none waits.");
    }

    private sealed record Reading(long ActiveSessions, long PendingApprovals, long? OldestRequestedAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Value.Interval, _timeProvider);
        do
        {
            try
            {
                _last = await ReadAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _last = null;
                Log.ReadFailed(_logger, ex.Message, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task<Reading> ReadAsync()
    {
        var db = _redis.GetDatabase();
        var active = await db.SetLengthAsync(RunnerKeys.ActiveSessions);
        var pending = await db.SortedSetLengthAsync(RedisKeys.PendingApprovals);

        // Scored by expiry; every request gets the same Approvals:Timeout, so the first to expire is the oldest.
        var first = await db.SortedSetRangeByRankAsync(RedisKeys.PendingApprovals, 0, 0);
        var oldest = first.Length == 0 ? null : await _approvals.GetAsync(first[0].ToString());
        return new Reading(active, pending, oldest?.RequestedAt);
    }

    private IEnumerable<Measurement<long>> Observe(Func<Reading, long> value)
        => _last is { } reading ? [new Measurement<long>(value(reading))] : [];

    private IEnumerable<Measurement<double>> Observe(Func<Reading, double> value)
        => _last is { } reading ? [new Measurement<double>(value(reading))] : [];

    private double OldestAgeSeconds(Reading reading)
        => reading.OldestRequestedAt is { } requestedAt
            ? Math.Max(0, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds() - requestedAt) / 1000.0
            : 0;

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3500, LogLevel.Warning, "Runner gauges could not read Redis; they report nothing until the next reading: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string reason, Exception exception);
    }
}
