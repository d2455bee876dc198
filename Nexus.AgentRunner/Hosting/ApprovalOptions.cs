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

    /// <summary>How often a waiting session reads its approval's stored state (default 250 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the sweeper looks for overdue pending approvals (default 1 s).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
