using System.Text.Json.Serialization;

namespace Nexus.Contracts.Runner;

// The AgentRunner's HTTP API (docs/protocol.md section 5.1), called by the gateway through service discovery
// ("http://agentrunner") with its service credential, and by users through the front door under /api with a token.
// The caller is always the authenticated user: no body or query field names anyone.
//
//   POST /api/sessions                          CreateSessionRequest, header Idempotency-Key (1..100 characters)
//        201 CreateSessionResponse (200 when the caller sent the key before, within 24 hours: same session)
//        429 problem { limit: "sessions_per_user" | "runner_capacity", max }
//   POST /api/sessions/{sessionId}/cancel       202 CancelSessionResponse | 403 (not the owner) | 404
//   GET  /api/sessions                          200 SessionListResponse (the caller's; endedAt, result, reason once ended)
//   GET  /api/approvals?state=pending|decided&sessionId=..&limit=1..100
//        200 ApprovalListResponse (state pending, the default) | ApprovalAuditListResponse (state decided),
//        newest first, at most limit (default: every pending request, the newest 100 records); under restriction a non-approver sees only the
//        requests of their own sessions | 400 naming the bad query parameter
//   POST /api/approvals/{requestId}/decision    DecisionRequest
//        200 DecisionResponse | 403 (not an approver, or self-approval forbidden) | 404 | 409 ApprovalConflict
//        (already decided, expired, or its session can no longer continue: the request is then expired)
// Every route answers 401 without a valid user token or service credential. Errors other than 409 are
// RFC 7807 problem details with a "param" extension for 400s.

public sealed record CreateSessionRequest(string Task);

public sealed record CreateSessionResponse(string SessionId);

public sealed record CancelSessionResponse(string SessionId, string Status);

/// <summary>
/// One entry of agent.list (docs/protocol.md 4.2). <c>EndedAt</c>, <c>Result</c> and <c>Reason</c> (as in agent.completed) are
/// left out until the session has ended.
/// </summary>
public sealed record SessionSummary(
    string SessionId,
    string Task,
    string Status,
    long StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? EndedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Result = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

public sealed record SessionListResponse(IReadOnlyList<SessionSummary> Sessions);

/// <summary>Data of an approval_request event, also an entry of approval.list.</summary>
public sealed record ApprovalRequestData(
    string RequestId,
    string SessionId,
    string Owner,
    string Tool,
    System.Text.Json.JsonElement Arguments,
    long RequestedAt,
    long ExpiresAt);

public sealed record ApprovalListResponse(IReadOnlyList<ApprovalRequestData> Approvals);

/// <summary><c>Decision</c> is "approve" or "deny"; the decider is the authenticated caller.</summary>
public sealed record DecisionRequest(string Decision, string? Reason);

/// <summary><c>Decision</c> is "approved" or "denied"; <c>Status</c> is "resolved".</summary>
public sealed record DecisionResponse(string RequestId, string Decision, string Status);

/// <summary>The final state of an approval that was already resolved (409, JSON-RPC -32003).</summary>
public sealed record ApprovalConflict(string RequestId, string Status, string? By);

/// <summary>The <c>limit</c> extension of a 429 problem (JSON-RPC -32004 data, docs/protocol.md section 5.1).</summary>
public static class RunnerLimits
{
    /// <summary>The user has <c>Runner:MaxSessionsPerUser</c> sessions running or waiting.</summary>
    public const string SessionsPerUser = "sessions_per_user";

    /// <summary>This runner runs <c>Runner:MaxConcurrentSessions</c> sessions.</summary>
    public const string RunnerCapacity = "runner_capacity";
}
