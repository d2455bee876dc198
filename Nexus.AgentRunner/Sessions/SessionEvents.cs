using Nexus.AgentRunner.Durable;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// The events of docs/protocol.md section 6, on their channels. A session's own events are published fenced by its lease
/// (<c>nexus_publish_fenced</c>): a refusal means another runner holds the session, and throws
/// <see cref="LeaseLostException"/> so the caller stops. <c>approval_resolved</c> belongs to whoever decided (a person,
/// the sweeper): the decision script makes it happen once. None takes the session's token: an ending session must still
/// announce its end; the publisher bounds the time instead.
/// </summary>
internal sealed class SessionEvents(NotificationPublisher publisher)
{
    private static NexusJsonContext Json => NexusJsonContext.Default;

    public Task StartedAsync(ISessionLease session, string task, string owner)
        => FencedAsync(session, Channels.Global, EventNames.AgentStarted, new AgentStartedData(session.SessionId, task, owner), Json.AgentStartedData);

    public Task ProgressAsync(ISessionLease session, int step, string message)
        => FencedAsync(session, Channels.Agent(session.SessionId), EventNames.AgentProgress, new AgentProgressData(session.SessionId, step, message), Json.AgentProgressData);

    public Task ErrorAsync(ISessionLease session, string message)
        => FencedAsync(session, Channels.Global, EventNames.AgentError, new AgentErrorData(session.SessionId, message), Json.AgentErrorData);

    public Task CompletedAsync(ISessionLease session, AgentCompletedData data)
        => FencedAsync(session, Channels.Global, EventNames.AgentCompleted, data, Json.AgentCompletedData);

    public Task ApprovalRequestAsync(ISessionLease session, ApprovalRequestData data)
        => FencedAsync(session, Channels.Approval, EventNames.ApprovalRequest, data, Json.ApprovalRequestData);

    public async Task<bool> ApprovalResolvedAsync(ApprovalResolvedData data)
        => await publisher.PublishAsync(Channels.Approval, EventNames.ApprovalResolved, data, Json.ApprovalResolvedData) is not null;

    private async Task FencedAsync<T>(ISessionLease session, string channel, string @event, T data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var result = await publisher.PublishFencedAsync(channel, @event, data, type, session.Fence);
        if (result.FencedOut)
        {
            throw new LeaseLostException(session.SessionId, session.Fence.Number);
        }
    }
}
