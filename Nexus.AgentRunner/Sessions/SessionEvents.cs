using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// The events of PROTOCOL.md section 6, on their channels. None takes the session's token: an ending
/// session must still announce its end; the publisher bounds the time instead.
/// </summary>
internal sealed class SessionEvents(NotificationPublisher publisher)
{
    private static NexusJsonContext Json => NexusJsonContext.Default;

    public Task<bool> StartedAsync(string sessionId, string task, string owner)
        => publisher.PublishAsync(Channels.Global, EventNames.AgentStarted, new AgentStartedData(sessionId, task, owner), Json.AgentStartedData);

    public Task<bool> ProgressAsync(string sessionId, int step, string message)
        => publisher.PublishAsync(Channels.Agent(sessionId), EventNames.AgentProgress, new AgentProgressData(sessionId, step, message), Json.AgentProgressData);

    public Task<bool> ErrorAsync(string sessionId, string message)
        => publisher.PublishAsync(Channels.Global, EventNames.AgentError, new AgentErrorData(sessionId, message), Json.AgentErrorData);

    public Task<bool> CompletedAsync(AgentCompletedData data)
        => publisher.PublishAsync(Channels.Global, EventNames.AgentCompleted, data, Json.AgentCompletedData);

    public Task<bool> ApprovalRequestAsync(ApprovalRequestData data)
        => publisher.PublishAsync(Channels.Approval, EventNames.ApprovalRequest, data, Json.ApprovalRequestData);

    public Task<bool> ApprovalResolvedAsync(ApprovalResolvedData data)
        => publisher.PublishAsync(Channels.Approval, EventNames.ApprovalResolved, data, Json.ApprovalResolvedData);
}
