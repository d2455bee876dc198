using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Contracts.Runner;

/// <summary>
/// An audit record (docs/protocol.md 4.2, <c>approval.list</c> with <c>state: "decided"</c>): the request's data, who decided
/// what, when and why, and what became of the tool call. Kept for <c>Approvals:AuditRetention</c> (default 30 days).
/// </summary>
public sealed record ApprovalAuditRecord(
    string RequestId,
    string SessionId,
    string Owner,
    string Tool,
    JsonElement Arguments,
    long RequestedAt,
    long ExpiresAt,
    string Decision,
    string By,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    long DecidedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ApprovalOutcome? Outcome);

/// <summary>
/// What became of an approval's tool call: <c>Executed</c> false when it was denied, expired or its session ended
/// first; true with the tool's <c>Result</c> (a JSON value; for a failing tool the text <c>error: ...</c>) once it ran.
/// </summary>
public sealed record ApprovalOutcome(
    bool Executed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result = null);

/// <summary>The result of <c>approval.list</c> with <c>state: "decided"</c>: audit records, newest decision first.</summary>
public sealed record ApprovalAuditListResponse(IReadOnlyList<ApprovalAuditRecord> Approvals);

/// <summary>Values of <c>approval.list</c>'s <c>state</c> (and of <c>GET /api/approvals?state=</c>).</summary>
public static class ApprovalListStates
{
    public const string Pending = "pending";
    public const string Decided = "decided";

    /// <summary>The largest <c>limit</c>, also the default of <see cref="Decided"/> (pending requests are all listed by default).</summary>
    public const int MaxLimit = 100;
}

/// <summary>The longest <c>idempotencyKey</c> of <c>agent.run</c> (the <c>Idempotency-Key</c> header of the API).</summary>
public static class IdempotencyKeys
{
    public const int MaxLength = 100;
}
