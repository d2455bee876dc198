namespace Nexus.Client;

/// <summary>The names of the events Nexus publishes itself (docs/protocol.md section 6), as in <see cref="Notification.Event"/>.</summary>
public static class NexusEvents
{
    /// <summary><see cref="Client.AgentStarted"/>.</summary>
    public const string AgentStarted = "agent.started";

    /// <summary><see cref="Client.AgentProgress"/>.</summary>
    public const string AgentProgress = "agent.progress";

    /// <summary><see cref="Client.AgentError"/>.</summary>
    public const string AgentError = "agent.error";

    /// <summary><see cref="Client.AgentCompleted"/>.</summary>
    public const string AgentCompleted = "agent.completed";

    /// <summary><see cref="Client.ApprovalRequest"/>.</summary>
    public const string ApprovalRequest = "approval_request";

    /// <summary><see cref="Client.ApprovalResolved"/>.</summary>
    public const string ApprovalResolved = "approval_resolved";
}

/// <summary>Channel names of docs/protocol.md section 2, for <see cref="NexusClient.SubscribeAsync"/> and <see cref="Notification.Channel"/>.</summary>
public static class NexusChannels
{
    /// <summary>Every connected client.</summary>
    public const string Global = "global";

    /// <summary>Every client allowed to approve.</summary>
    public const string Approval = "approval";

    /// <summary>The channel of one agent session (its owner only).</summary>
    /// <param name="sessionId">The session.</param>
    public static string Agent(string sessionId) => "agent:" + sessionId;

    /// <summary>The channel of one user (that user's connections only).</summary>
    /// <param name="userId">The user.</param>
    public static string User(string userId) => "user:" + userId;
}

/// <summary>Values of <see cref="AgentCompleted.Reason"/> and <see cref="AgentSession.Reason"/>.</summary>
public static class NexusCompletionReasons
{
    /// <summary>The task failed (an <c>agent.error</c> said why).</summary>
    public const string Error = "error";

    /// <summary>The owner cancelled it.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A tool call it needed was denied or expired.</summary>
    public const string Denied = "denied";
}
