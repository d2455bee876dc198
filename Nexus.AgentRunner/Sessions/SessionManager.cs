using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Starts, cancels and tracks the sessions of this instance, at most <c>Runner:MaxConcurrentSessions</c> at once
/// (more are refused, 503: a full runner should shed load rather than queue unbounded work). On shutdown it
/// cancels every session and waits for each to publish its agent.completed.
/// </summary>
internal sealed partial class SessionManager(
    SessionStore store,
    SessionRunner runner,
    SessionEvents events,
    SandboxRoot sandbox,
    RunnerInstance instance,
    IConnectionMultiplexer redis,
    IOptions<RunnerOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionManager> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan IdempotencyTtl = TimeSpan.FromHours(24);

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentSessions, options.Value.MaxConcurrentSessions);
    private readonly ConcurrentDictionary<string, AgentSession> _running = new(StringComparer.Ordinal);
    private volatile bool _stopping;

    public bool IsRunningHere(string sessionId) => _running.ContainsKey(sessionId);

    public async Task<StartResult> StartAsync(string owner, string task, string? idempotencyKey)
    {
        var db = redis.GetDatabase();
        var idemKey = idempotencyKey is null ? null : RedisKeys.RunIdempotency(owner, idempotencyKey);
        if (idemKey is not null && await db.StringGetAsync(idemKey) is { IsNull: false } seen)
        {
            return new StartResult(StartOutcome.Existing, seen.ToString());
        }

        if (_stopping || !_slots.Wait(0))
        {
            RunnerTelemetry.SessionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "capacity"));
            Log.Full(logger, owner);
            return new StartResult(StartOutcome.Unavailable, null);
        }

        var sessionId = "s_" + Guid.NewGuid().ToString("N");
        var started = false;
        try
        {
            // SET NX: of two concurrent retries with one key, exactly one creates the session.
            if (idemKey is not null && !await db.StringSetAsync(idemKey, sessionId, IdempotencyTtl, When.NotExists))
            {
                return new StartResult(StartOutcome.Existing, (await db.StringGetAsync(idemKey)).ToString());
            }

            var record = new SessionRecord(sessionId, owner, task, SessionStatus.Running, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), instance.Id);
            var session = new AgentSession(record, sandbox.For(sessionId), events);

            // Tracked before the record exists, so the orphan sweep never mistakes it for a dead one.
            _running[sessionId] = session;
            bool created;
            try
            {
                // The owner is stored before agent.started (published by the runner) so every gateway can route agent:<id>.
                created = await store.CreateAsync(record);
            }
            catch
            {
                await ForgetAsync(sessionId, idemKey);
                throw;
            }

            if (!created)
            {
                await ForgetAsync(sessionId, idemKey);
                RunnerTelemetry.SessionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "quota"));
                Log.QuotaExceeded(logger, owner, options.Value.MaxSessionsPerUser);
                return new StartResult(StartOutcome.QuotaExceeded, null);
            }

            var parent = Activity.Current?.Context ?? default;
            session.Completion = Task.Run(() => RunAndReleaseAsync(session, parent));
            started = true;
            return new StartResult(StartOutcome.Created, sessionId);
        }
        finally
        {
            if (!started)
            {
                _slots.Release();
            }
        }
    }

    /// <summary>Undoes what <see cref="StartAsync"/> did before the record was written (the slot is released by its caller).</summary>
    private async Task ForgetAsync(string sessionId, string? idemKey)
    {
        _running.TryRemove(sessionId, out _);
        if (idemKey is not null)
        {
            await redis.GetDatabase().KeyDeleteAsync(idemKey);
        }
    }

    public async Task<CancelResult> CancelAsync(string sessionId, string user)
    {
        var record = await store.GetAsync(sessionId);
        if (record is null)
        {
            return new CancelResult(CancelOutcome.NotFound);
        }

        if (!string.Equals(record.Owner, user, StringComparison.Ordinal))
        {
            return new CancelResult(CancelOutcome.Forbidden);
        }

        if (record.Status is not (SessionStatus.Running or SessionStatus.WaitingApproval))
        {
            return new CancelResult(CancelOutcome.Accepted, record.Status);
        }

        Log.CancelRequested(logger, sessionId, user);
        if (_running.TryGetValue(sessionId, out var session))
        {
            session.Cancel(CancelKind.User);
        }
        else
        {
            // Another replica runs it: the stored flag is the truth (checked each heartbeat), the message wakes it now.
            await store.RequestCancelAsync(sessionId);
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RunnerKeys.CancelChannel), sessionId);
        }

        return new CancelResult(CancelOutcome.Accepted, "cancelling");
    }

    /// <summary>Cancels local sessions whose record carries a cancel request from another replica.</summary>
    public async Task ApplyStoredCancelRequestsAsync()
    {
        foreach (var session in _running.Values)
        {
            if (session.CancelKind == CancelKind.None && await store.GetAsync(session.SessionId) is { CancelRequested: true })
            {
                session.Cancel(CancelKind.User);
            }
        }
    }

    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RunnerKeys.CancelChannel));
        channel.OnMessage(message =>
        {
            if (_running.TryGetValue(message.Message.ToString(), out var session))
            {
                session.Cancel(CancelKind.User);
            }
        });
    }

    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var sessions = _running.Values.ToList();
        Log.ShuttingDown(logger, sessions.Count);
        foreach (var session in sessions)
        {
            session.Cancel(CancelKind.Shutdown);
        }

        try
        {
            await Task.WhenAll(sessions.Select(s => s.Completion)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownTimedOut(logger, _running.Count);
        }

        await redis.GetSubscriber().UnsubscribeAsync(RedisChannel.Literal(RunnerKeys.CancelChannel));
    }

    public void Dispose() => _slots.Dispose();

    private async Task RunAndReleaseAsync(AgentSession session, ActivityContext parent)
    {
        try
        {
            await runner.RunAsync(session, parent);
        }
        finally
        {
            _running.TryRemove(session.SessionId, out _);
            _slots.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Warning, "Session for {Owner} refused: the runner is full or stopping")]
        public static partial void Full(ILogger logger, string owner);

        [LoggerMessage(3005, LogLevel.Information, "Session for {Owner} refused: the user has {Max} sessions running or waiting (Runner:MaxSessionsPerUser)")]
        public static partial void QuotaExceeded(ILogger logger, string owner, int max);

        [LoggerMessage(3002, LogLevel.Information, "Cancel of session {SessionId} requested by {User}")]
        public static partial void CancelRequested(ILogger logger, string sessionId, string user);

        [LoggerMessage(3003, LogLevel.Information, "Runner stopping: cancelling {Count} sessions")]
        public static partial void ShuttingDown(ILogger logger, int count);

        [LoggerMessage(3004, LogLevel.Warning, "Runner stopped before {Count} sessions finished; the orphan sweep of another runner ends them")]
        public static partial void ShutdownTimedOut(ILogger logger, int count);
    }
}
