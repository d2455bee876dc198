using System.Diagnostics;
using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Runs one session from agent.started to its one agent.completed (docs/protocol.md section 6), whatever
/// happens in between: an answer, a denial, a cancel, a shutdown, a failing tool or brain.
/// </summary>
internal sealed partial class SessionRunner(
    IChatClient brain,
    ApprovalWaiter approvals,
    ApprovalResolver resolver,
    SessionStore sessions,
    SessionEvents events,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory,
    ILogger<SessionRunner> logger)
{
    private sealed record SessionEnd(string Status, bool Success, string? Result, string? Reason, string? Error);

    public async Task RunAsync(AgentSession session, ActivityContext parent)
    {
        // Continues the trace of the HTTP request that created the session (the gateway's agent.run).
        using var activity = RunnerTelemetry.Source.StartActivity("agent.session", ActivityKind.Internal, parent);
        activity?.SetTag("nexus.session.id", session.SessionId);
        RunnerTelemetry.SessionsStarted.Add(1);
        Log.Started(logger, session.SessionId, session.Owner);
        await events.StartedAsync(session.SessionId, session.Task, session.Owner);

        SessionEnd end;
        try
        {
            var outcome = await AgentLoop.RunAsync(brain, session, approvals, timeProvider, loggerFactory, session.Cancellation.Token);
            end = outcome.Approved
                ? new SessionEnd(SessionStatus.Completed, true, outcome.Result ?? "", null, null)
                : new SessionEnd(SessionStatus.Failed, false, null, CompletionReasons.Denied, null);
        }
        catch (OperationCanceledException) when (session.Cancellation.IsCancellationRequested)
        {
            end = session.CancelKind == CancelKind.Shutdown
                ? new SessionEnd(SessionStatus.Failed, false, null, CompletionReasons.Error, "The runner is shutting down.")
                : new SessionEnd(SessionStatus.Cancelled, false, null, CompletionReasons.Cancelled, null);
        }
        catch (Exception ex)
        {
            Log.SessionFailed(logger, session.SessionId, ex.Message, ex);
            end = new SessionEnd(SessionStatus.Failed, false, null, CompletionReasons.Error, ex.Message);
        }

        activity?.SetTag("nexus.session.status", end.Status);
        if (!end.Success)
        {
            activity?.SetStatus(ActivityStatusCode.Error, end.Reason);
        }

        await FinishAsync(session, end);
    }

    private async Task FinishAsync(AgentSession session, SessionEnd end)
    {
        try
        {
            if (session.PendingApprovalId is { } requestId)
            {
                // The session ends before anyone decided: the request still gets its one approval_resolved.
                await resolver.ResolveAsync(requestId, ApprovalDecisions.Expired, ApprovalDecisions.System, null, force: true);
            }

            var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            if (!await sessions.FinishAsync(session.SessionId, session.Owner, end.Status, now, end.Result, end.Reason))
            {
                Log.AlreadyEnded(logger, session.SessionId);
                return;
            }

            if (end.Error is not null)
            {
                await events.ErrorAsync(session.SessionId, end.Error);
            }

            await events.CompletedAsync(new AgentCompletedData(session.SessionId, end.Success, end.Result, end.Reason));
            RunnerTelemetry.SessionsEnded.Add(1, new KeyValuePair<string, object?>("status", end.Status));
            RunnerTelemetry.SessionDuration.Record((now - session.StartedAt) / 1000.0);
            Log.Ended(logger, session.SessionId, end.Status, end.Reason ?? "");
        }
        catch (Exception ex)
        {
            // Redis is gone: the orphan sweeper of a live runner ends the session once this one is gone too.
            Log.FinishFailed(logger, session.SessionId, ex.Message, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "Session {SessionId} started for {Owner}")]
        public static partial void Started(ILogger logger, string sessionId, string owner);

        [LoggerMessage(3101, LogLevel.Information, "Session {SessionId} ended: {Status} {Reason}")]
        public static partial void Ended(ILogger logger, string sessionId, string status, string reason);

        [LoggerMessage(3102, LogLevel.Warning, "Session {SessionId} failed: {Reason}")]
        public static partial void SessionFailed(ILogger logger, string sessionId, string reason, Exception exception);

        [LoggerMessage(3103, LogLevel.Warning, "Session {SessionId} was already ended by someone else (an orphan sweep)")]
        public static partial void AlreadyEnded(ILogger logger, string sessionId);

        [LoggerMessage(3104, LogLevel.Error, "Session {SessionId} could not record its end: {Reason}")]
        public static partial void FinishFailed(ILogger logger, string sessionId, string reason, Exception exception);
    }
}
