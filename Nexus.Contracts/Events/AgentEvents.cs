using System.Text.Json.Serialization;

namespace Nexus.Contracts.Events;

// Data of the events of docs/protocol.md section 6 (approval_request's data is Runner.ApprovalRequestData).
// Optional members are left out of the JSON when null, as the protocol marks them with "?".

/// <summary>Data of <c>agent.started</c> on <c>global</c>.</summary>
public sealed record AgentStartedData(string SessionId, string Task, string Owner);

/// <summary>Data of <c>agent.progress</c> on <c>agent:&lt;sessionId&gt;</c>; <c>Step</c> counts from 1 within a session.</summary>
public sealed record AgentProgressData(string SessionId, int Step, string Message);

/// <summary>Data of <c>agent.error</c> on <c>global</c>.</summary>
public sealed record AgentErrorData(string SessionId, string Message);

/// <summary>Data of <c>agent.completed</c> on <c>global</c>; <c>Reason</c> is one of <see cref="CompletionReasons"/>.</summary>
public sealed record AgentCompletedData(
    string SessionId,
    bool Success,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Result = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Data of <c>approval_resolved</c> on <c>approval</c>; <c>Decision</c> is one of <see cref="ApprovalDecisions"/>.</summary>
public sealed record ApprovalResolvedData(
    string RequestId,
    string SessionId,
    string Decision,
    string By,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Values of <c>agent.completed</c>'s <c>reason</c>.</summary>
public static class CompletionReasons
{
    public const string Error = "error";
    public const string Cancelled = "cancelled";
    public const string Denied = "denied";
}

/// <summary>Values of <c>approval_resolved</c>'s <c>decision</c>, also the final statuses of an approval record.</summary>
public static class ApprovalDecisions
{
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const string Expired = "expired";

    /// <summary>The status of an approval record nobody has decided yet.</summary>
    public const string Pending = "pending";

    /// <summary>The <c>by</c> of an expiry.</summary>
    public const string System = "system";
}
