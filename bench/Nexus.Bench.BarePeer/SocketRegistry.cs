using System.Collections.Concurrent;

namespace Nexus.Bench.BarePeer;

internal sealed class SocketRegistry
{
    private readonly ConcurrentDictionary<SocketConnection, byte> _connections = new();

    public void Add(SocketConnection connection) => _connections.TryAdd(connection, 0);

    public void Remove(SocketConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>The same bytes to every socket; never waits for one.</summary>
    public void Broadcast(byte[] message)
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Enqueue(message);
        }
    }
}
