using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Turns the library's approval request for a tool call into our approval_request, then waits for the
/// decision by reading the stored state: a lost pub/sub message cannot hang a session (issue 3, point 5).
/// </summary>
internal sealed partial class ApprovalWaiter(
    ApprovalStore store,
    SessionStore sessions,
    ApprovalResolver resolver,
    SessionEvents events,
    IOptions<ApprovalOptions> options,
    TimeProvider timeProvider,
    ILogger<ApprovalWaiter> logger)
{
    /// <summary>Returns the final decision: approved, denied or expired.</summary>
    public async Task<string> RequestAsync(AgentSession session, FunctionCallContent call, CancellationToken cancellationToken)
    {
        var requestId = "apr_" + Guid.NewGuid().ToString("N");
        var now = timeProvider.GetUtcNow();
        var requestedAt = now.ToUnixTimeMilliseconds();
        var expiresAt = (now + options.Value.Timeout).ToUnixTimeMilliseconds();
        var arguments = JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

        // State first, then the session's status, then the event: whoever sees the event can act on it.
        await store.CreateAsync(new ApprovalRecord(requestId, session.SessionId, session.Owner, call.Name, arguments.GetRawText(), requestedAt, expiresAt, ApprovalDecisions.Pending));
        session.PendingApprovalId = requestId;
        await sessions.SetLiveStatusAsync(session.SessionId, requestId);
        Log.Requested(logger, requestId, session.SessionId, call.Name);
        await events.ApprovalRequestAsync(new ApprovalRequestData(requestId, session.SessionId, session.Owner, call.Name, arguments, requestedAt, expiresAt));

        var decision = await WaitAsync(requestId, expiresAt, cancellationToken);
        session.PendingApprovalId = null;
        await sessions.SetLiveStatusAsync(session.SessionId, null);
        return decision;
    }

    private async Task<string> WaitAsync(string requestId, long expiresAt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var record = await store.GetAsync(requestId);
            if (record is null)
            {
                return ApprovalDecisions.Expired; // Deleted or evicted: treat as never approved.
            }

            if (record.Status != ApprovalDecisions.Pending)
            {
                return record.Status;
            }

            if (timeProvider.GetUtcNow().ToUnixTimeMilliseconds() >= expiresAt)
            {
                // The sweeper normally does this; doing it here too keeps the session from waiting on it.
                var outcome = await resolver.ResolveAsync(requestId, ApprovalDecisions.Expired, ApprovalDecisions.System, null);
                if (outcome.Result != DecideResult.NotDue)
                {
                    continue;
                }
            }

            await Task.Delay(options.Value.PollInterval, timeProvider, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3201, LogLevel.Information, "Approval {RequestId} requested by session {SessionId} for tool {Tool}")]
        public static partial void Requested(ILogger logger, string requestId, string sessionId, string tool);
    }
}
