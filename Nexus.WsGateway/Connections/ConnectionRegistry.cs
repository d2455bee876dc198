using System.Collections.Concurrent;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Every open connection, and the connections of each user (docs/protocol.md section 2 routing).
/// </summary>
/// <remarks>
/// Connections live in fixed slots of fixed-size segments: a connect takes a free slot (or the next one), a disconnect
/// empties its slot, so neither copies anything that grows with the number of open sockets (issue 12: a reconnect storm
/// of thousands). The fan-out reads a <see cref="RegistrySnapshot"/> without a lock and skips empty slots; slots are
/// reused, so the table stays as dense as the peak number of connections. The per-user lists are small copy-on-write
/// arrays (at most <c>Gateway:MaxConnectionsPerUser</c> long).
/// </remarks>
internal sealed class ConnectionRegistry
{
    /// <summary>Slots per segment: a new segment is added (the segment list copied, a few pointers) every this many connections.</summary>
    public const int SegmentSize = 1024;

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, IClientConnection[]> _byUser = new(StringComparer.Ordinal);
    private readonly Dictionary<IClientConnection, int> _slotOf = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<int> _free = new();
    private IClientConnection?[][] _segments = [];
    private int _highWater;

    /// <summary>The open connections as the fan-out iterates them: no copy, no lock.</summary>
    public RegistrySnapshot All => new(Volatile.Read(ref _highWater), Volatile.Read(ref _segments));

    /// <summary>Open connections.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _slotOf.Count;
            }
        }
    }

    public IClientConnection[] ForUser(string userId)
        => _byUser.TryGetValue(userId, out var connections) ? connections : [];

    public int CountForUser(string userId) => ForUser(userId).Length;

    /// <summary>A copy of every open connection, for the rare callers that need a list (shutdown).</summary>
    public IClientConnection[] ToArray()
    {
        lock (_gate)
        {
            return [.. _slotOf.Keys];
        }
    }

    public void Add(IClientConnection connection)
    {
        lock (_gate)
        {
            var slot = _free.Count > 0 ? _free.Pop() : _highWater;
            var segment = slot / SegmentSize;
            if (segment == _segments.Length)
            {
                Volatile.Write(ref _segments, [.. _segments, new IClientConnection?[SegmentSize]]);
            }

            _slotOf.Add(connection, slot);
            Volatile.Write(ref _segments[segment][slot % SegmentSize], connection);
            if (slot == _highWater)
            {
                // After the slot: a reader that sees the new high water also sees the connection in it.
                Volatile.Write(ref _highWater, slot + 1);
            }

            var userId = connection.Client.UserId;
            _byUser[userId] = [.. ForUser(userId), connection];
        }
    }

    public void Remove(IClientConnection connection)
    {
        lock (_gate)
        {
            if (!_slotOf.Remove(connection, out var slot))
            {
                return;
            }

            Volatile.Write(ref _segments[slot / SegmentSize][slot % SegmentSize], null);
            _free.Push(slot);

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
