namespace Nexus.Contracts.Runner;

// The AgentRunner's HTTP API, called by the gateway through service discovery
// ("http://agentrunner") and by anyone through the proxy under /api.
//
//   POST /api/sessions                          CreateSessionRequest, header Idempotency-Key
//        201 CreateSessionResponse (200 when the key was seen before: same session)
//   POST /api/sessions/{sessionId}/cancel       CancelSessionRequest
//        202 CancelSessionResponse | 403 (not the owner) | 404
//   GET  /api/sessions?owner={userId}           200 SessionListResponse
//   GET  /api/approvals                         200 ApprovalListResponse (pending only)
//   POST /api/approvals/{requestId}/decision    DecisionRequest
//        200 DecisionResponse | 404 | 409 ApprovalConflict (final state)
// Errors other than 409 are RFC 7807 problem details with a "param" extension for 400s.

public sealed record CreateSessionRequest(string Owner, string Task);

public sealed record CreateSessionResponse(string SessionId);

public sealed record CancelSessionRequest(string User);

public sealed record CancelSessionResponse(string SessionId, string Status);

/// <summary>One entry of agent.list (PROTOCOL.md 4.2).</summary>
public sealed record SessionSummary(string SessionId, string Task, string Status, long StartedAt);

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

/// <summary><c>Decision</c> is "approve" or "deny"; <c>By</c> is the deciding user.</summary>
public sealed record DecisionRequest(string Decision, string By, string? Reason);

/// <summary><c>Decision</c> is "approved" or "denied"; <c>Status</c> is "resolved".</summary>
public sealed record DecisionResponse(string RequestId, string Decision, string Status);

/// <summary>The final state of an approval that was already resolved (409, JSON-RPC -32003).</summary>
public sealed record ApprovalConflict(string RequestId, string Status, string? By);
