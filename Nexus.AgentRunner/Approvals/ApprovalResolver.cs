using Nexus.AgentRunner.Sessions;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Resolves an approval through the atomic script and, only when this call changed the state,
/// publishes the one <c>approval_resolved</c>. Used by the decision API, the expiry sweeper, a waiting
/// session that sees its request overdue, and sessions that end while waiting.
/// </summary>
internal sealed partial class ApprovalResolver(ApprovalStore store, SessionEvents events, TimeProvider timeProvider, ILogger<ApprovalResolver> logger)
{
    /// <summary>Decides <paramref name="requestId"/>; with <paramref name="forbidOwner"/> the session's owner may not (<c>Approvals:AllowSelfApproval=false</c>).</summary>
    public async Task<DecideOutcome> ResolveAsync(string requestId, string decision, string by, string? reason, bool force = false, bool forbidOwner = false)
    {
        var outcome = await store.DecideAsync(requestId, decision, by, reason, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), force, forbidOwner);
        if (outcome.Resolved)
        {
            RunnerTelemetry.ApprovalsResolved.Add(1, new KeyValuePair<string, object?>("decision", outcome.Status));
            Log.Resolved(logger, requestId, outcome.Status, outcome.By ?? "");
            await events.ApprovalResolvedAsync(new ApprovalResolvedData(requestId, outcome.SessionId, outcome.Status, outcome.By ?? ApprovalDecisions.System, outcome.Reason));
        }

        return outcome;
    }

    private static partial class Log
    {
        [LoggerMessage(3200, LogLevel.Information, "Approval {RequestId} resolved: {Decision} by {By}")]
        public static partial void Resolved(ILogger logger, string requestId, string decision, string by);
    }
}
