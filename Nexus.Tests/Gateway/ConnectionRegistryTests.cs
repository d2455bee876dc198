using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>The slot registry (issue 12 item 5): connects and disconnects reuse slots, the fan-out's snapshot sees each open connection once.</summary>
public sealed class ConnectionRegistryTests
{
    [Fact]
    public void A_freed_slot_is_reused_so_the_table_stays_as_large_as_the_peak()
    {
        var registry = new ConnectionRegistry();
        var connections = Enumerable.Range(0, 3000).Select(i => Connection($"u{i % 7}")).ToList();
        connections.ForEach(registry.Add);
        Assert.Equal(3000, registry.All.Slots);

        foreach (var connection in connections.Take(2000))
        {
            registry.Remove(connection);
        }

        for (var i = 0; i < 2000; i++)
        {
            registry.Add(Connection("again"));
        }

        Assert.Equal(3000, registry.All.Slots);
        Assert.Equal(3000, registry.Count);
        Assert.Equal(2000, registry.CountForUser("again"));
    }

    [Fact]
    public void The_snapshot_holds_every_open_connection_once_and_no_removed_one()
    {
        var registry = new ConnectionRegistry();
        var connections = Enumerable.Range(0, ConnectionRegistry.SegmentSize * 2 + 10).Select(i => Connection($"u{i}")).ToList();
        connections.ForEach(registry.Add);
        var removed = connections.Where((_, i) => i % 3 == 0).ToList();
        removed.ForEach(registry.Remove);

        var snapshot = registry.All;
        var seen = new List<IClientConnection>();
        for (var slot = 0; slot < snapshot.Slots;)
        {
            var end = RegistrySnapshot.SegmentEnd(slot, snapshot.Slots);
            foreach (var connection in snapshot.Range(slot, end))
            {
                if (connection is not null)
                {
                    seen.Add(connection);
                }
            }

            slot = end;
        }

        Assert.Equal(connections.Except(removed).Cast<IClientConnection>().ToHashSet(), seen.ToHashSet());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(registry.ForUser("u0"));
        Assert.Single(registry.ForUser("u1"));
    }

    private static FakeConnection Connection(string user) => new(new ClientContext(Guid.NewGuid().ToString("N"), user, isApprover: false));

    private sealed class FakeConnection(ClientContext client) : IClientConnection
    {
        public ClientContext Client { get; } = client;

        public Task Completion => Task.CompletedTask;

        public bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch) => true;

        public void Close(System.Net.WebSockets.WebSocketCloseStatus status, string description, TimeSpan timeout)
        {
        }

        public void Abort()
        {
        }
    }
}
