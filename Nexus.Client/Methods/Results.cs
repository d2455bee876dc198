using System.Text.Json;

namespace Nexus.Client;

/// <summary>
/// A connection's filter (docs/protocol.md section 4.2): <see cref="Include"/> null means every channel; a channel is
/// delivered when it matches <see cref="Include"/> (or that is null) and nothing in <see cref="Exclude"/>. A name
/// ending in <c>*</c> matches by prefix.
/// </summary>
/// <param name="Include">The channels delivered, or null for all.</param>
/// <param name="Exclude">The channels never delivered.</param>
public sealed record NexusFilter(IReadOnlyList<string>? Include, IReadOnlyList<string> Exclude)
{
    /// <summary>The filter of a new connection: every channel it is entitled to.</summary>
    public static NexusFilter All { get; } = new(null, []);
}

/// <summary>The result of <c>notify.resume</c>.</summary>
/// <param name="Recovered">False when the id is no longer in the history: nothing was replayed, the application must re-sync.</param>
/// <param name="Replayed">How many notifications were replayed before this result.</param>
public sealed record ResumeResult(bool Recovered, int Replayed);

/// <summary>One of the caller's sessions, from <see cref="NexusClient.ListAgentsAsync"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Task">Its task.</param>
/// <param name="Status">One of <c>running</c>, <c>waiting_approval</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended, once it has.</param>
/// <param name="Result">Its result, as in <see cref="AgentCompleted.Result"/>.</param>
/// <param name="Reason">Why it failed, as in <see cref="AgentCompleted.Reason"/>.</param>
public sealed record AgentSession(
    string SessionId, string Task, string Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt = null, string? Result = null, string? Reason = null);

/// <summary>The result of <see cref="NexusClient.CancelAgentAsync"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Status"><c>cancelling</c>: an <see cref="AgentCompleted"/> with reason <c>cancelled</c> follows.</param>
public sealed record AgentCancelResult(string SessionId, string Status);

/// <summary>
/// An approval request from <see cref="NexusClient.ListApprovalsAsync"/>: the <see cref="ApprovalRequest"/> data, and
/// for a decided request (an audit record) its decision.
/// </summary>
/// <param name="RequestId">The request.</param>
/// <param name="SessionId">Its session.</param>
/// <param name="Owner">The session's owner.</param>
/// <param name="Tool">The tool the session wants to run.</param>
/// <param name="Arguments">The tool's arguments.</param>
/// <param name="RequestedAt">When it was requested.</param>
/// <param name="ExpiresAt">When it expires (is denied) unless answered.</param>
/// <param name="Decision">Audit records: <c>approved</c>, <c>denied</c> or <c>expired</c>.</param>
/// <param name="By">Audit records: who decided.</param>
/// <param name="Reason">Audit records: the decider's reason.</param>
/// <param name="DecidedAt">Audit records: when.</param>
/// <param name="Outcome">Audit records: whether the tool ran, once known.</param>
public sealed record ApprovalRecord(
    string RequestId,
    string SessionId,
    string Owner,
    string Tool,
    JsonElement Arguments,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt,
    string? Decision = null,
    string? By = null,
    string? Reason = null,
    DateTimeOffset? DecidedAt = null,
    ApprovalOutcome? Outcome = null);

/// <summary>What came of an approved (or not) tool call, in an audit record.</summary>
/// <param name="Executed">Whether the tool ran.</param>
/// <param name="Result">What it returned, when it ran.</param>
public sealed record ApprovalOutcome(bool Executed, JsonElement? Result = null);

/// <summary>The result of <see cref="NexusClient.RespondToApprovalAsync"/>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Decision"><c>approved</c> or <c>denied</c>.</param>
/// <param name="Status"><c>resolved</c>.</param>
public sealed record ApprovalResponse(string RequestId, string Decision, string Status);

/// <summary>An answer to an approval request.</summary>
public enum ApprovalDecision
{
    /// <summary>Let the tool run.</summary>
    Approve,

    /// <summary>Refuse it; the session ends with reason <c>denied</c>.</summary>
    Deny,
}

/// <summary>Which approval requests <see cref="NexusClient.ListApprovalsAsync"/> returns.</summary>
public enum ApprovalListState
{
    /// <summary>Requests waiting for a decision (the default).</summary>
    Pending,

    /// <summary>Audit records of decided requests.</summary>
    Decided,
}
