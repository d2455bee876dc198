using System.Text.Json;
using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Approvals;

/// <summary>What the gate says of one of the library's approval requests.</summary>
internal enum GateVerdict
{
    Approved,
    Denied,

    /// <summary>Nobody has decided yet: the session is parked (its lease let go) and this runner is done with it.</summary>
    Parked,
}

/// <summary>
/// Between the library's approval requests and ours (issue 13 item 1). A request not seen before becomes our
/// approval_request, and the session parks: its conversation, the request and its status are written in one fenced step,
/// the request is announced, the lease let go, and the runner moves on. When a decision has woken the session, the gate
/// answers with it. Nothing waits in memory and nothing polls.
/// </summary>
internal sealed partial class ApprovalGate(ApprovalStore store, SessionEvents events, ILogger<ApprovalGate> logger)
{
    public async Task<(GateVerdict Verdict, string? Reason)> DecideOrParkAsync(AgentSession session, IReadOnlyList<ChatMessage> messages, ToolApprovalRequestContent request)
    {
        var call = request.ToolCall as FunctionCallContent
            ?? throw new InvalidOperationException("The brain asked to approve something that is not a function call.");
        var record = await store.ForLibraryRequestAsync(session.SessionId, request.RequestId);
        if (record is null)
        {
            await ParkAsync(session, messages, request, call);
            return (GateVerdict.Parked, null);
        }

        switch (record.Status)
        {
            case ApprovalDecisions.Approved:
                return (GateVerdict.Approved, null);
            case ApprovalDecisions.Pending:
                // Taken over from a runner that died while parking: announce the request if it never was, and let go.
                if (!record.Announced)
                {
                    using var arguments = JsonDocument.Parse(record.ArgumentsJson);
                    await events.ApprovalRequestAsync(session, new ApprovalRequestData(
                        record.RequestId, record.SessionId, record.Owner, record.Tool, arguments.RootElement.Clone(), record.RequestedAt, record.ExpiresAt));
                }

                await store.ReleaseAsync(session, record.RequestId);
                Log.StillWaiting(logger, session.SessionId, record.RequestId);
                return (GateVerdict.Parked, null);
            case ApprovalDecisions.Expired:
                return (GateVerdict.Denied, "The approval request expired before anyone decided it.");
            default:
                return (GateVerdict.Denied, record.Reason is { } reason ? $"Denied by {record.By}: {reason}" : $"Denied by {record.By}.");
        }
    }

    private async Task ParkAsync(AgentSession session, IReadOnlyList<ChatMessage> messages, ToolApprovalRequestContent request, FunctionCallContent call)
    {
        var requestId = "apr_" + Guid.NewGuid().ToString("N");
        var arguments = JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));

        // State first, then the event, then the lease: whoever sees the event finds the request, and a decision that
        // comes before the lease is let go still wakes the session (Release rings again).
        var (requestedAt, expiresAt) = await store.ParkAsync(
            session, session.Owner, new ParkRequest(requestId, call.Name, arguments.GetRawText(), request.RequestId, call.CallId), ConversationStore.Serialize(messages));
        Log.Parked(logger, requestId, session.SessionId, call.Name);
        await events.ApprovalRequestAsync(session, new ApprovalRequestData(requestId, session.SessionId, session.Owner, call.Name, arguments, requestedAt, expiresAt));
        await store.ReleaseAsync(session, requestId);
    }

    private static partial class Log
    {
        [LoggerMessage(3201, LogLevel.Information, "Approval {RequestId} requested by session {SessionId} for tool {Tool}; the session is parked")]
        public static partial void Parked(ILogger logger, string requestId, string sessionId, string tool);

        [LoggerMessage(3203, LogLevel.Information, "Session {SessionId} still waits for approval {RequestId}; parked again")]
        public static partial void StillWaiting(ILogger logger, string sessionId, string requestId);
    }
}
