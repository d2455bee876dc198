using Nexus.AgentRunner.Sessions;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Resolves an approval through the atomic script and, only when this call changed the state, publishes the one
/// <c>approval_resolved</c>. Used by the decision API, the expiry sweeper and sessions that end while they wait.
/// </summary>
internal sealed partial class ApprovalResolver(ApprovalStore store, SessionEvents events, ILogger<ApprovalResolver> logger)
{
    /// <summary>Decides <paramref name="requestId"/>; with <paramref name="forbidOwner"/> the session's owner may not (<c>Approvals:AllowSelfApproval=false</c>).</summary>
    public async Task<DecideOutcome> ResolveAsync(string requestId, string decision, string by, string? reason, bool force = false, bool forbidOwner = false)
    {
        var outcome = await store.DecideAsync(requestId, decision, by, reason, force, forbidOwner);
        if (outcome.Resolved)
        {
            await AnnounceAsync(requestId, outcome.SessionId, outcome.Status, outcome.By ?? ApprovalDecisions.System, outcome.Reason);
        }

        return outcome;
    }

    /// <summary>Publishes the approval_resolved of a decision this replica made (a person's, or the sweeper's).</summary>
    public async Task AnnounceAsync(string requestId, string sessionId, string decision, string by, string? reason)
    {
        RunnerTelemetry.ApprovalsResolved.Add(1, new KeyValuePair<string, object?>("decision", decision));
        Log.Resolved(logger, requestId, decision, by);
        await events.ApprovalResolvedAsync(new ApprovalResolvedData(requestId, sessionId, decision, by, reason));
    }

    private static partial class Log
    {
        [LoggerMessage(3200, LogLevel.Information, "Approval {RequestId} resolved: {Decision} by {By}")]
        public static partial void Resolved(ILogger logger, string requestId, string decision, string by);
    }
}
