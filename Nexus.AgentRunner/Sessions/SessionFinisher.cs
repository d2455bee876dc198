using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Ends a session this runner holds, once: its pending approval (if it waited) expires, the record is finished in one
/// fenced step, and only then are agent.error and the one agent.completed published, fenced too.
/// </summary>
internal sealed partial class SessionFinisher(SessionStore sessions, ApprovalResolver resolver, SessionEvents events, ILogger<SessionFinisher> logger)
{
    public async Task FinishAsync(AgentSession session, SessionEnd end)
    {
        if (session.PendingApprovalId is { } requestId)
        {
            // The session ends before anyone decided: the request still gets its one approval_resolved.
            await resolver.ResolveAsync(requestId, ApprovalDecisions.Expired, ApprovalDecisions.System, null, force: true);
        }

        var endedAt = await sessions.FinishAsync(session, session.Owner, end.Status, end.Result, end.Reason);
        if (endedAt is null)
        {
            Log.AlreadyEnded(logger, session.SessionId);
            return;
        }

        if (end.Error is not null)
        {
            await events.ErrorAsync(session, end.Error);
        }

        await events.CompletedAsync(session, new AgentCompletedData(session.SessionId, end.Success, end.Result, end.Reason));
        RunnerTelemetry.SessionsEnded.Add(1, new KeyValuePair<string, object?>("status", end.Status));
        RunnerTelemetry.SessionDuration.Record((endedAt.Value - session.StartedAt) / 1000.0);
        Log.Ended(logger, session.SessionId, end.Status, end.Reason ?? "");
    }

    private static partial class Log
    {
        [LoggerMessage(3101, LogLevel.Information, "Session {SessionId} ended: {Status} {Reason}")]
        public static partial void Ended(ILogger logger, string sessionId, string status, string reason);

        [LoggerMessage(3103, LogLevel.Warning, "Session {SessionId} had already ended")]
        public static partial void AlreadyEnded(ILogger logger, string sessionId);
    }
}
