using System.Collections.Concurrent;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// <c>Gateway:MaxConnectionsPerUser</c> as an atomic reservation: two simultaneous upgrades of one user cannot both
/// take the last slot (a check against the registry's count, then an add, could). Reserved before the upgrade so
/// the refusal is an HTTP 429, released when the connection ends or the upgrade fails.
/// </summary>
internal sealed class UserConnectionLimiter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public bool TryReserve(string userId, int max)
    {
        while (true)
        {
            if (_counts.TryGetValue(userId, out var count))
            {
                if (count >= max)
                {
                    return false;
                }

                if (_counts.TryUpdate(userId, count + 1, count))
                {
                    return true;
                }
            }
            else if (_counts.TryAdd(userId, 1))
            {
                return true;
            }
        }
    }

    public void Release(string userId)
    {
        while (_counts.TryGetValue(userId, out var count))
        {
            // The last release removes the entry, so users who left hold no memory.
            if (count <= 1 ? _counts.TryRemove(KeyValuePair.Create(userId, count)) : _counts.TryUpdate(userId, count - 1, count))
            {
                return;
            }
        }
    }
}
