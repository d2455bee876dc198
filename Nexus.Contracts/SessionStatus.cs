namespace Nexus.Contracts;

/// <summary>Session statuses of docs/protocol.md 4.2, as they appear on the wire.</summary>
public static class SessionStatus
{
    public const string Running = "running";
    public const string WaitingApproval = "waiting_approval";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
