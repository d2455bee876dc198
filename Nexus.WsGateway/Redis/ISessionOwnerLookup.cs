namespace Nexus.WsGateway.Redis;

/// <summary>Who owns an agent session (routing of <c>agent:&lt;sessionId&gt;</c>, docs/protocol.md section 2).</summary>
internal interface ISessionOwnerLookup
{
    /// <summary>The owner's user id, or null when the session has no record.</summary>
    ValueTask<string?> GetOwnerAsync(string sessionId, CancellationToken cancellationToken);
}
