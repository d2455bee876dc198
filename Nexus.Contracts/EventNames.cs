namespace Nexus.Contracts;

/// <summary>Events Nexus publishes itself (docs/protocol.md section 6).</summary>
public static class EventNames
{
    public const string AgentStarted = "agent.started";
    public const string AgentProgress = "agent.progress";
    public const string AgentError = "agent.error";
    public const string AgentCompleted = "agent.completed";
    public const string ApprovalRequest = "approval_request";
    public const string ApprovalResolved = "approval_resolved";
}
