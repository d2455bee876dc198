using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// The events of docs/protocol.md section 6, on their channels. None takes the session's token: an ending
/// session must still announce its end; the publisher bounds the time instead.
/// </summary>
internal sealed class SessionEvents(NotificationPublisher publisher)
{
    private static NexusJsonContext Json => NexusJsonContext.Default;

    public async Task<bool> StartedAsync(string sessionId, string task, string owner)
        => await publisher.PublishAsync(Channels.Global, EventNames.AgentStarted, new AgentStartedData(sessionId, task, owner), Json.AgentStartedData) is not null;

    public async Task<bool> ProgressAsync(string sessionId, int step, string message)
        => await publisher.PublishAsync(Channels.Agent(sessionId), EventNames.AgentProgress, new AgentProgressData(sessionId, step, message), Json.AgentProgressData) is not null;

    public async Task<bool> ErrorAsync(string sessionId, string message)
        => await publisher.PublishAsync(Channels.Global, EventNames.AgentError, new AgentErrorData(sessionId, message), Json.AgentErrorData) is not null;

    public async Task<bool> CompletedAsync(AgentCompletedData data)
        => await publisher.PublishAsync(Channels.Global, EventNames.AgentCompleted, data, Json.AgentCompletedData) is not null;

    public async Task<bool> ApprovalRequestAsync(ApprovalRequestData data)
        => await publisher.PublishAsync(Channels.Approval, EventNames.ApprovalRequest, data, Json.ApprovalRequestData) is not null;

    public async Task<bool> ApprovalResolvedAsync(ApprovalResolvedData data)
        => await publisher.PublishAsync(Channels.Approval, EventNames.ApprovalResolved, data, Json.ApprovalResolvedData) is not null;
}
