using System.Collections.Concurrent;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Every open connection, and the connections of each user (PROTOCOL.md section 2 routing).
/// Copy-on-write arrays: the fan-out reads a snapshot without a lock; connects and disconnects,
/// far rarer than notifications, copy under a lock.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, IClientConnection[]> _byUser = new(StringComparer.Ordinal);
    private IClientConnection[] _all = [];

    public IClientConnection[] All => Volatile.Read(ref _all);

    public IClientConnection[] ForUser(string userId)
        => _byUser.TryGetValue(userId, out var connections) ? connections : [];

    public int CountForUser(string userId) => ForUser(userId).Length;

    public void Add(IClientConnection connection)
    {
        lock (_gate)
        {
            Volatile.Write(ref _all, [.. _all, connection]);
            var userId = connection.Client.UserId;
            _byUser[userId] = [.. ForUser(userId), connection];
        }
    }

    public void Remove(IClientConnection connection)
    {
        lock (_gate)
        {
            Volatile.Write(ref _all, Without(_all, connection));
            var userId = connection.Client.UserId;
            var remaining = Without(ForUser(userId), connection);
            if (remaining.Length == 0)
            {
                _byUser.TryRemove(userId, out _);
            }
            else
            {
                _byUser[userId] = remaining;
            }
        }
    }

    private static IClientConnection[] Without(IClientConnection[] connections, IClientConnection connection)
    {
        var index = Array.IndexOf(connections, connection);
        if (index < 0)
        {
            return connections;
        }

        var copy = new IClientConnection[connections.Length - 1];
        Array.Copy(connections, 0, copy, 0, index);
        Array.Copy(connections, index + 1, copy, index, connections.Length - index - 1);
        return copy;
    }
}
