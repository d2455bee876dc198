using Microsoft.Extensions.Options;
using Nexus.Contracts;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;

namespace Nexus.WsGateway.History;

/// <summary>
/// Whether a replayed notification may go to a client: the routing rules of docs/protocol.md section 2, then the
/// client's filter, exactly as the live fan-out applies them (NotificationFanout routes by the registry instead, which
/// comes to the same: a user's own connections, the owner's for an agent session, approvers when restricted).
/// </summary>
internal sealed class ReplayEntitlement(ISessionOwnerLookup owners, IOptions<AuthOptions> auth)
{
    private readonly bool _restrictApprovals = auth.Value.RestrictApprovals;

    public async ValueTask<bool> AllowsAsync(ClientContext client, string channel, CancellationToken cancellationToken)
    {
        if (channel.StartsWith(Channels.UserPrefix, StringComparison.Ordinal))
        {
            if (!channel.AsSpan(Channels.UserPrefix.Length).SequenceEqual(client.UserId))
            {
                return false;
            }
        }
        else if (channel.StartsWith(Channels.AgentPrefix, StringComparison.Ordinal))
        {
            var sessionId = channel[Channels.AgentPrefix.Length..];
            if (sessionId.Length == 0 || await owners.GetOwnerAsync(sessionId, cancellationToken) != client.UserId)
            {
                return false;
            }
        }
        else if (_restrictApprovals && channel == Channels.Approval && !client.IsApprover)
        {
            return false;
        }

        return client.Filter.Allows(channel);
    }
}
