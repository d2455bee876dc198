namespace Nexus.AgentRunner.Sessions;

/// <summary>A session as stored in the hash <c>nexus:session:&lt;id&gt;</c>.</summary>
internal sealed record SessionRecord(
    string SessionId,
    string Owner,
    string Task,
    string Status,
    long StartedAt,
    string Runner,
    long? EndedAt = null,
    string? Result = null,
    string? Reason = null,
    string? PendingApproval = null,
    bool CancelRequested = false,
    int Steps = 0,
    string? TraceParent = null);
