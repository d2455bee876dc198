using System.Diagnostics;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Runs a session this runner holds, from its start or a resume to its one agent.completed (docs/protocol.md section 6) or to
/// the next park, whatever happens in between: an answer, a denial, a cancel, a drain, a failing tool or brain. A runner
/// that lost the lease stops without writing or publishing anything more (issue 13, fencing).
/// </summary>
internal sealed partial class SessionRunner(
    AgentLoop loop,
    SessionFinisher finisher,
    SessionEvents events,
    SessionLeases leases,
    ILogger<SessionRunner> logger)
{
    /// <summary><paramref name="resumed"/>: continued from Redis (after a park, a drain or a takeover), not just created.</summary>
    public async Task RunAsync(AgentSession session, ActivityContext parent, bool resumed)
    {
        // Continues the trace of the agent.run that created the session, also when another replica resumes it.
        using var activity = RunnerTelemetry.Source.StartActivity("agent.session", ActivityKind.Internal, parent);
        activity?.SetTag("nexus.session.id", session.SessionId);
        activity?.SetTag("nexus.session.resumed", resumed);
        activity?.SetTag("nexus.session.fence", session.Fence.Number);
        try
        {
            if (!resumed)
            {
                RunnerTelemetry.SessionsStarted.Add(1);
                Log.Started(logger, session.SessionId, session.Owner);
                await events.StartedAsync(session, session.Task, session.Owner);
            }
            else
            {
                Log.Resumed(logger, session.SessionId, session.Fence.Number);
            }

            var end = await RunLoopAsync(session);
            if (end is null)
            {
                activity?.SetTag("nexus.session.status", "parked");
                return;
            }

            activity?.SetTag("nexus.session.status", end.Status);
            if (!end.Success)
            {
                activity?.SetStatus(ActivityStatusCode.Error, end.Reason);
            }

            await finisher.FinishAsync(session, end);
        }
        catch (Exception ex) when (ex is LeaseLostException || session.CancelKind == CancelKind.LeaseLost)
        {
            activity?.SetTag("nexus.session.status", "lease_lost");
            Log.LeaseLost(logger, session.SessionId, session.Fence.Number);
        }
        catch (Exception ex)
        {
            // Redis is gone: the lease runs out and another runner continues the session from its checkpoint.
            Log.FinishFailed(logger, session.SessionId, ex.Message, ex);
        }
    }

    /// <summary>The end to record, or null when the session was parked (approval, drain) and is no longer this runner's.</summary>
    private async Task<SessionEnd?> RunLoopAsync(AgentSession session)
    {
        try
        {
            var outcome = await loop.RunAsync(session, session.Cancellation.Token);
            return outcome.End switch
            {
                LoopEnd.Parked => null,
                LoopEnd.Answered => new SessionEnd(SessionStatus.Completed, true, outcome.Result ?? "", null, null),
                _ => new SessionEnd(SessionStatus.Failed, false, null, CompletionReasons.Denied, null),
            };
        }
        catch (OperationCanceledException) when (session.CancelKind == CancelKind.Shutdown)
        {
            // Drain (issue 13 item 9): the runner stops before the session reached an end or an approval. Another replica
            // continues it from its last checkpoint; a tool cut off here has no result in the journal and runs again there.
            await leases.ReleaseToReadyAsync(session.SessionId, session.Fence.Number);
            Log.Drained(logger, session.SessionId);
            return null;
        }
        catch (OperationCanceledException) when (session.CancelKind == CancelKind.User)
        {
            return new SessionEnd(SessionStatus.Cancelled, false, null, CompletionReasons.Cancelled, null);
        }
        catch (Exception ex) when (ex is not LeaseLostException && session.CancelKind != CancelKind.LeaseLost)
        {
            Log.SessionFailed(logger, session.SessionId, ex.Message, ex);
            return new SessionEnd(SessionStatus.Failed, false, null, CompletionReasons.Error, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "Session {SessionId} started for {Owner}")]
        public static partial void Started(ILogger logger, string sessionId, string owner);

        [LoggerMessage(3102, LogLevel.Warning, "Session {SessionId} failed: {Reason}")]
        public static partial void SessionFailed(ILogger logger, string sessionId, string reason, Exception exception);

        [LoggerMessage(3104, LogLevel.Error, "Session {SessionId} could not record its end or park: {Reason}")]
        public static partial void FinishFailed(ILogger logger, string sessionId, string reason, Exception exception);

        [LoggerMessage(3105, LogLevel.Information, "Session {SessionId} resumed with fence {Fence}")]
        public static partial void Resumed(ILogger logger, string sessionId, long fence);

        [LoggerMessage(3106, LogLevel.Warning, "Session {SessionId} lost its lease (fence {Fence}) to another runner: abandoned here without a write or a publish")]
        public static partial void LeaseLost(ILogger logger, string sessionId, long fence);

        [LoggerMessage(3107, LogLevel.Information, "Session {SessionId} parked for another replica: this runner is stopping")]
        public static partial void Drained(ILogger logger, string sessionId);
    }
}
