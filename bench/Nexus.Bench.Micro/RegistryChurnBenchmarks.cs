using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Connections;

namespace Nexus.Bench.Micro;

/// <summary>
/// Issue 12 item 5: what one connect and one disconnect cost the registry, with 100 or 10,000 other connections open.
/// The registry used to copy its array of every connection on each change (linear in the open sockets, which a reconnect
/// storm of thousands squares); its slots now make both constant. The two rows should be about equal.
/// </summary>
[MemoryDiagnoser]
public class RegistryChurnBenchmarks
{
    private ConnectionRegistry _registry = null!;
    private ChurnConnection _connection = null!;

    [Params(100, 10_000)]
    public int Open { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new ConnectionRegistry();
        for (var i = 0; i < Open; i++)
        {
            _registry.Add(new ChurnConnection(new ClientContext($"c{i}", $"user{i % 500}", isApprover: false)));
        }

        _connection = new ChurnConnection(new ClientContext("churn", "churner", isApprover: false));
    }

    [Benchmark]
    public void ConnectAndDisconnect()
    {
        _registry.Add(_connection);
        _registry.Remove(_connection);
    }

    private sealed class ChurnConnection(ClientContext client) : IClientConnection
    {
        public ClientContext Client { get; } = client;

        public Task Completion => Task.CompletedTask;

        public bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch) => true;

        public void Close(WebSocketCloseStatus status, string description, TimeSpan timeout)
        {
        }

        public void Abort()
        {
        }
    }
}
