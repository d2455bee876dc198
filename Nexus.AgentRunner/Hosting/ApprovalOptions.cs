namespace Nexus.AgentRunner.Hosting;

/// <summary>Configuration section <c>Approvals</c>.</summary>
internal sealed class ApprovalOptions
{
    public const string SectionName = "Approvals";

    /// <summary>An unanswered approval request expires (auto-deny) after this (docs/protocol.md section 6; default 5 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether the owner of a session may decide its own approval requests (docs/protocol.md section 5; default true).
    /// False: the owner gets 403 (JSON-RPC -32001). A published deployment sets it false unless told otherwise.
    /// </summary>
    public bool AllowSelfApproval { get; set; } = true;

    /// <summary>How long a decided request's audit record is kept (docs/protocol.md 4.2; default 30 days).</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the sweeper asks Redis for overdue pending approvals (default 1 s); Redis's clock decides what is overdue.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
