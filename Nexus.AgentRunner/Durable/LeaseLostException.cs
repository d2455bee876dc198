namespace Nexus.AgentRunner.Durable;

/// <summary>
/// The session's lease holds another fencing number: another runner took the session over (this one stalled or was
/// declared dead). The holder must stop at once, writing and publishing nothing more for it (issue 13, fencing).
/// </summary>
internal sealed class LeaseLostException(string sessionId, long fence)
    : Exception($"Session {sessionId} is no longer held with fence {fence}: another runner took it over.")
{
    public string SessionId => sessionId;

    public long Fence => fence;
}
