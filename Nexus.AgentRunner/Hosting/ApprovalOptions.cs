namespace Nexus.AgentRunner.Hosting;

/// <summary>Configuration section <c>Approvals</c>.</summary>
internal sealed class ApprovalOptions
{
    public const string SectionName = "Approvals";

    /// <summary>An unanswered approval request expires (auto-deny) after this (PROTOCOL.md section 6; default 5 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a waiting session reads its approval's stored state (default 250 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the sweeper looks for overdue pending approvals (default 1 s).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
