namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// An approval request as stored in the hash <c>nexus:approval:&lt;requestId&gt;</c>; once decided, also its audit record
/// (<c>decidedAt</c>, and <c>executed</c>/<c>result</c>: what became of the tool call).
/// </summary>
internal sealed record ApprovalRecord(
    string RequestId,
    string SessionId,
    string Owner,
    string Tool,
    string ArgumentsJson,
    long RequestedAt,
    long ExpiresAt,
    string Status,
    string? By = null,
    string? Reason = null,
    long? DecidedAt = null,
    bool? Executed = null,
    string? ResultJson = null,
    bool Announced = false);

/// <summary>What <see cref="ApprovalStore.DecideAsync"/> did.</summary>
internal enum DecideResult
{
    /// <summary>This call resolved the request with the asked decision: the caller publishes approval_resolved.</summary>
    Won,

    /// <summary>
    /// The request could not take effect (past its expiry, or its session no longer waits for it): this call expired it
    /// instead; the caller publishes approval_resolved (expired) and the decider is answered with the final state.
    /// </summary>
    ExpiredInstead,

    /// <summary>Already resolved: nothing changed; the outcome holds the final state.</summary>
    Conflict,

    /// <summary>An expiry asked for before the due time: nothing changed.</summary>
    NotDue,

    /// <summary>No such request.</summary>
    Missing,

    /// <summary>The decider owns the session and self-approval is off: nothing changed.</summary>
    Forbidden,
}

internal sealed record DecideOutcome(DecideResult Result, string Status, string? By, string SessionId, string? Reason)
{
    /// <summary>Whether this call changed the state, and so must publish the one approval_resolved.</summary>
    public bool Resolved => Result is DecideResult.Won or DecideResult.ExpiredInstead;
}

/// <summary>A request the sweeper expired: its approval_resolved is this replica's to publish.</summary>
internal readonly record struct ExpiredRequest(string RequestId, string SessionId);
