using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Starts, resumes, cancels and tracks the sessions this instance holds, at most <c>Runner:MaxConcurrentSessions</c> at
/// once (more are refused, 503: a full runner should shed load rather than queue unbounded work). A parked session holds
/// no slot. On stop it drains: running sessions get <c>Runner:DrainTimeout</c> to end or park, then the rest are parked
/// for another replica (issue 13 item 9).
/// </summary>
internal sealed partial class SessionManager(
    SessionStore store,
    SessionRunner runner,
    SessionFinisher finisher,
    SessionEvents events,
    SessionLeases leases,
    PickupBell bell,
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

    public bool IsStopping => _stopping;

    public int FreeSlots => _slots.CurrentCount;

    public bool IsRunningHere(string sessionId) => _running.ContainsKey(sessionId);

    public async Task<StartResult> StartAsync(string owner, string task, string? idempotencyKey)
    {
        var db = redis.GetDatabase();
        var idemKey = idempotencyKey is null ? null : RunnerKeys.RunIdempotency(owner, idempotencyKey);
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

            // The trace of the agent.run that creates the session, kept so whoever resumes it continues that trace.
            var parent = Activity.Current;
            var traceParent = parent?.IdFormat == ActivityIdFormat.W3C ? parent.Id : null;
            (long StartedAt, long Fence)? created;
            try
            {
                // The owner is stored before agent.started (published by the runner) so every gateway can route agent:<id>.
                created = await store.CreateAsync(sessionId, owner, task, instance.Id, traceParent);
            }
            catch
            {
                await ForgetAsync(idemKey);
                throw;
            }

            if (created is not { } lease)
            {
                await ForgetAsync(idemKey);
                RunnerTelemetry.SessionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "quota"));
                Log.QuotaExceeded(logger, owner, options.Value.MaxSessionsPerUser);
                return new StartResult(StartOutcome.QuotaExceeded, null);
            }

            var record = new SessionRecord(sessionId, owner, task, SessionStatus.Running, lease.StartedAt, instance.Id, TraceParent: traceParent);
            Run(new AgentSession(record, lease.Fence, sandbox.For(sessionId), events), parent?.Context ?? default, resumed: false);
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

    /// <summary>
    /// Continues a session this runner has just claimed (decided, drained, or taken over); when no slot is free after all,
    /// it goes back to the queue for another replica.
    /// </summary>
    public async Task ResumeAsync(ClaimedSession claim)
    {
        if (_stopping || !_slots.Wait(0))
        {
            await leases.ReleaseToReadyAsync(claim.SessionId, claim.Fence);
            return;
        }

        var started = false;
        try
        {
            if (await store.GetAsync(claim.SessionId) is not { } record)
            {
                return;
            }

            var session = new AgentSession(record, claim.Fence, sandbox.For(claim.SessionId), events) { PendingApprovalId = null };
            var parent = ActivityContext.TryParse(record.TraceParent, null, out var context) ? context : default;
            Run(session, parent, resumed: true);
            started = true;
        }
        finally
        {
            if (!started)
            {
                _slots.Release();
            }
        }
    }

    private void Run(AgentSession session, ActivityContext parent, bool resumed)
    {
        // This runner may take over a session it still runs itself (its heartbeat came too late): the older run is fenced
        // out already; stop it now rather than at its next write.
        _running.AddOrUpdate(session.SessionId, session, (_, older) =>
        {
            older.Cancel(CancelKind.LeaseLost);
            return session;
        });
        session.Completion = Task.Run(() => RunAndReleaseAsync(session, parent, resumed));
    }

    private async Task ForgetAsync(string? idemKey)
    {
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
        else if (await leases.ClaimAsync(sessionId) is { } fence)
        {
            // Parked (or queued for a runner): nobody holds it, so this replica ends it, once, under a lease of its own.
            var parked = new AgentSession(record, fence, sandbox.For(sessionId), events)
            {
                PendingApprovalId = record.Status == SessionStatus.WaitingApproval ? record.PendingApproval : null,
            };
            await finisher.FinishAsync(parked, new SessionEnd(SessionStatus.Cancelled, false, null, CompletionReasons.Cancelled, null));
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
            if (session.CancelKind == CancelKind.None && await store.CancelRequestedAsync(session.SessionId))
            {
                session.Cancel(CancelKind.User);
            }
        }
    }

    /// <summary>Renews the lease of every session held here; one that another runner took stops at once, silently.</summary>
    public async Task RenewLeasesAsync()
    {
        foreach (var session in _running.Values)
        {
            if (!await leases.RenewAsync(session.SessionId, session.Fence.Number))
            {
                Log.LeaseNotRenewed(logger, session.SessionId, session.Fence.Number);
                session.Cancel(CancelKind.LeaseLost);
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
        Log.Draining(logger, sessions.Count, options.Value.DrainTimeout);
        try
        {
            // Sessions may end or reach an approval (and park) on their own first.
            await Task.WhenAll(sessions.Select(s => s.Completion)).WaitAsync(options.Value.DrainTimeout, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            foreach (var session in _running.Values)
            {
                session.Cancel(CancelKind.Shutdown);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's own stop timeout is over.
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

    private async Task RunAndReleaseAsync(AgentSession session, ActivityContext parent, bool resumed)
    {
        try
        {
            await runner.RunAsync(session, parent, resumed);
        }
        finally
        {
            _running.TryRemove(KeyValuePair.Create(session.SessionId, session));
            _slots.Release();

            // A slot is free: sessions may be waiting in the queue for one.
            bell.Ring();
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

        [LoggerMessage(3003, LogLevel.Information, "Runner stopping: {Count} sessions running, {DrainTimeout} to end or park before they are parked for another replica")]
        public static partial void Draining(ILogger logger, int count, TimeSpan drainTimeout);

        [LoggerMessage(3004, LogLevel.Warning, "Runner stopped before {Count} sessions let go; their leases run out and another replica continues them")]
        public static partial void ShutdownTimedOut(ILogger logger, int count);

        [LoggerMessage(3006, LogLevel.Warning, "Session {SessionId}: the lease (fence {Fence}) could not be renewed; another runner holds it")]
        public static partial void LeaseNotRenewed(ILogger logger, string sessionId, long fence);
    }
}
