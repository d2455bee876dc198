using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Connections;
using Nexus.Contracts.History;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.History;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.Bench.Micro;

/// <summary>
/// The gateway's own hot path (issue 5, item 3): one Redis message in (<see cref="NotificationFanout.FanOutAsync(SourceNotification, System.Threading.CancellationToken)"/>:
/// validate, serialise once, route, filter), its bytes handed to N connections of a real <see cref="ConnectionRegistry"/>.
/// <para><c>Direct</c>: real <see cref="GatewayConnection"/>s on a <see cref="BatchingTransport"/>, as a socket accepted by
/// <c>DirectUpgradeMiddleware</c> runs (the frame written straight into a pipe that flushes to a stream that discards).</para>
/// <para><c>Socket</c>: real <see cref="GatewayConnection"/>s, each with its <see cref="SocketWriter"/> over a server-side
/// <see cref="WebSocket"/> on a stream that discards, so the whole per-recipient cost is measured: filter, writer, the
/// inline <c>SendAsync</c> and ManagedWebSocket's framing. <c>Counting</c>: a fake connection that only counts, which
/// isolates parse + route + filter.</para>
/// The aim is 0 B in the <c>Alloc/recipient</c> column beyond the per-message constant (the frame, divided by N).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class NexusFanOutBenchmarks
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(
        "{\"event\":\"bench.tick\",\"data\":{\"seq\":1,\"t\":123456789,\"pad\":\"" + new string('x', 96) + "\"},\"timestamp\":1764345600000}");

    private readonly List<IDisposable> _disposables = [];
    private NotificationFanout _fanout = null!;
    private SourceNotification _notification;

    [Params(100, 1000)]
    public int Recipients { get; set; }

    [Params("Direct", "Socket", "Counting")]
    public string Connection { get; set; } = "Socket";

    [GlobalSetup]
    public void Setup()
    {
        var meters = new BenchMeterFactory();
        _disposables.Add(meters);
        var metrics = new GatewayMetrics(meters);
        // No initial hold: these connections never send a first message, and the benchmark measures the live path.
        var gatewayOptions = Microsoft.Extensions.Options.Options.Create(new GatewayOptions { InitialHold = TimeSpan.Zero });
        var services = new ConnectionServices(new NoDispatcher(), metrics, TimeProvider.System, gatewayOptions, NullLogger<GatewayConnection>.Instance);
        var registry = new ConnectionRegistry();
        for (var i = 0; i < Recipients; i++)
        {
            var client = new ClientContext($"c{i}", $"user{i}", isApprover: false);
            if (Connection == "Direct")
            {
                // What a directly accepted socket runs on: the frame goes straight into a pipe, flushed to a stream
                // that discards (Kestrel's socket would take it from there).
                var transport = new BatchingTransport(PipeReader.Create(Stream.Null), PipeWriter.Create(Stream.Null));
                var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
                _disposables.Add(socket);
                registry.Add(new GatewayConnection(socket, client, services, transport));
            }
            else if (Connection == "Socket")
            {
                // Server side, no keep-alive timer: nothing runs in the background while measuring.
                var socket = WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
                _disposables.Add(socket);
                registry.Add(new GatewayConnection(socket, client, services));
            }
            else
            {
                registry.Add(new CountingConnection(client));
            }
        }

        _fanout = new NotificationFanout(
            registry,
            new NotificationHistory(10_000, 16 * 1024 * 1024),
            new NoHistory(),
            new NoOwners(),
            metrics,
            TimeProvider.System,
            gatewayOptions,
            Microsoft.Extensions.Options.Options.Create(new AuthOptions()),
            NullLogger<NotificationFanout>.Instance);
        _disposables.Add(_fanout);
        _notification = new SourceNotification("nexus:notify:global", Payload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    [Benchmark]
    public int FanOut()
    {
        // Completes synchronously for global (no owner lookup); anything else would be a bug in the benchmark.
        var pending = _fanout.FanOutAsync(_notification, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("FanOutAsync of a global notification did not complete synchronously.");
        }

        var delivered = pending.Result;
        return delivered == Recipients ? delivered : throw new InvalidOperationException($"Delivered to {delivered} of {Recipients}.");
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new AllocatedPerRecipientColumn());
    }

    private sealed class CountingConnection(ClientContext client) : IClientConnection
    {
        public int Count { get; private set; }

        public ClientContext Client { get; } = client;

        public Task Completion => Task.CompletedTask;

        public bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch)
        {
            Count++;
            return true;
        }

        public void Close(WebSocketCloseStatus status, string description, TimeSpan timeout)
        {
        }

        public void Abort()
        {
        }
    }

    /// <summary>A history with nothing in it: the benchmark publishes plain notifications, which never ask it.</summary>
    private sealed class NoHistory : IHistoryReader
    {
        public Task<string?> EpochAsync() => Task.FromResult<string?>(null);

        public Task<bool> ContainsAsync(HistoryId id) => Task.FromResult(false);

        public Task<IReadOnlyList<StoredNotification>> ReadAsync(HistoryId after, HistoryId? before) => Task.FromResult<IReadOnlyList<StoredNotification>>([]);
    }

    private sealed class NoOwners : ISessionOwnerLookup
    {
        public ValueTask<string?> GetOwnerAsync(string sessionId, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
    }

    private sealed class NoDispatcher : IJsonRpcDispatcher
    {
        public ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, IRequestBudget? budget, CancellationToken cancellationToken)
            => ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
    }

    private sealed class BenchMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
