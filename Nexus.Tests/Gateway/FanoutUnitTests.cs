using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Connections;
using Nexus.Contracts.History;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.History;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.Tests.Gateway;

/// <summary>Routing of docs/protocol.md section 2 with in-memory fakes: no Redis, no sockets.</summary>
public sealed class FanoutUnitTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConnectionRegistry _registry = new();
    private readonly FakeOwners _owners = new();
    private readonly NotificationHistory _history = new(1000, 1024 * 1024);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_764_345_600_000));

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Global_goes_to_everyone_as_one_shared_buffer()
    {
        var a = Add("alice");
        var b = Add("bob");
        using var fanout = CreateFanout();

        Assert.Equal(2, await fanout.FanOutAsync(Message("global", """{"event":"e"}"""), default));

        Assert.True(MemoryMarshal.TryGetArray(a.Sent.Single(), out var fromA));
        Assert.True(MemoryMarshal.TryGetArray(b.Sent.Single(), out var fromB));
        Assert.Same(fromA.Array, fromB.Array);
        var parameters = JsonDocument.Parse(a.Sent.Single()).RootElement.GetProperty("params");
        Assert.Equal("global", parameters.GetProperty("channel").GetString());
        Assert.Equal(1_764_345_600_000, parameters.GetProperty("timestamp").GetInt64());
    }

    [Fact]
    public async Task User_channel_goes_to_that_users_connections_only()
    {
        var alice1 = Add("alice");
        var alice2 = Add("alice");
        var bob = Add("bob");
        using var fanout = CreateFanout();

        Assert.Equal(2, await fanout.FanOutAsync(Message("user:alice", """{"event":"e"}"""), default));
        Assert.Equal(0, await fanout.FanOutAsync(Message("user:", """{"event":"e"}"""), default));

        Assert.Single(alice1.Sent);
        Assert.Single(alice2.Sent);
        Assert.Empty(bob.Sent);
    }

    [Fact]
    public async Task Agent_channel_goes_to_the_owner_and_an_unknown_or_failing_lookup_reaches_nobody()
    {
        var owner = Add("owner");
        var other = Add("other");
        _owners.Owners["s1"] = "owner";
        _owners.Failing.Add("s-broken");
        using var fanout = CreateFanout();

        Assert.Equal(1, await fanout.FanOutAsync(Message("agent:s1", """{"event":"e"}"""), default));
        Assert.Equal(0, await fanout.FanOutAsync(Message("agent:s-unknown", """{"event":"e"}"""), default));
        Assert.Equal(0, await fanout.FanOutAsync(Message("agent:s-broken", """{"event":"e"}"""), default));

        Assert.Single(owner.Sent);
        Assert.Empty(other.Sent);
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    public async Task Approval_goes_to_approvers_only_when_approvals_are_restricted(bool restrict, int expected)
    {
        Add("approver", isApprover: true);
        Add("plain");
        using var fanout = CreateFanout(restrictApprovals: restrict);

        Assert.Equal(expected, await fanout.FanOutAsync(Message("approval", """{"event":"approval_request"}"""), default));
        Assert.Equal(2, await fanout.FanOutAsync(Message("other-name", """{"event":"e"}"""), default));
    }

    [Fact]
    public async Task A_client_filter_narrows_what_it_receives()
    {
        var narrowed = Add("narrowed");
        narrowed.Client.Filter = new ClientFilter(["approval"], []);
        var open = Add("open");
        using var fanout = CreateFanout();

        await fanout.FanOutAsync(Message("builds", """{"event":"e"}"""), default);

        Assert.Empty(narrowed.Sent);
        Assert.Single(open.Sent);
    }

    [Fact]
    public async Task A_client_that_refuses_is_not_counted_and_does_not_stop_the_others()
    {
        var full = Add("full");
        full.Accept = false;
        var fine = Add("fine");
        using var fanout = CreateFanout();

        Assert.Equal(1, await fanout.FanOutAsync(Message("global", """{"event":"e"}"""), default));
        Assert.Single(fine.Sent);
    }

    [Fact]
    public async Task Worker_skips_invalid_payloads_and_keeps_the_order_of_the_source()
    {
        var client = Add("alice");
        var source = new FakeSource();
        using var fanout = CreateFanout();
        var worker = CreateWorker(source, fanout);
        using var metrics = new RejectedCounter(_services.GetRequiredService<IMeterFactory>());
        await worker.StartAsync(default);

        source.Write(Message("global", """{"event":"first"}"""));
        source.Write(Message("global", "not json"));
        source.Write(Message("global", """{"event":"second"}"""));
        source.Write(new SourceNotification("not-our-prefix", Encoding.UTF8.GetBytes("""{"event":"x"}""")));
        source.Write(Message("global", """{"event":"third"}"""));
        source.Complete();
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        await worker.StopAsync(default);

        Assert.Equal(["first", "second", "third"], client.Sent.Select(s => JsonDocument.Parse(s).RootElement.GetProperty("params").GetProperty("event").GetString()));
        Assert.Equal(2, metrics.Count);
    }

    [Fact]
    public async Task A_large_fan_out_split_over_two_threads_reaches_every_connection_once_and_in_order()
    {
        var clients = Enumerable.Range(0, NotificationFanout.LaneThreshold * 2 + 1).Select(i => Add($"user{i}")).ToList();
        using var fanout = CreateFanout();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(clients.Count, await fanout.FanOutAsync(Message("global", $$$"""{"event":"e","data":{"i":{{{i}}}}}"""), default));
        }

        Assert.All(clients, client => Assert.Equal(
            Enumerable.Range(0, 20),
            client.Sent.Select(s => JsonDocument.Parse(s).RootElement.GetProperty("params").GetProperty("data").GetProperty("i").GetInt32())));
    }

    [Fact]
    public async Task Worker_fans_out_a_backlog_with_a_batch_and_a_lone_message_without()
    {
        var client = Add("alice");
        var source = new FakeSource();
        using var fanout = CreateFanout();
        var worker = CreateWorker(source, fanout);
        for (var i = 0; i < 40; i++)
        {
            source.Write(Message("global", $$$"""{"event":"backlog","data":{"i":{{{i}}}}}"""));
        }

        await worker.StartAsync(default);
        await Wait.UntilAsync(() => client.Sent.Count == 40, "backlog fanned out");
        source.Write(Message("global", """{"event":"alone"}"""));
        await Wait.UntilAsync(() => client.Sent.Count == 41, "lone message fanned out");
        source.Complete();
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        await worker.StopAsync(default);

        // 40 waiting messages: a pass of WriteBatch.MaxMessages (32) and a pass of the 8 left, all batched.
        Assert.All(client.Batched.Take(40), Assert.True);
        Assert.False(client.Batched[40], "a message with nothing behind it is written at once");
        Assert.Equal(Enumerable.Range(0, 40), client.Sent.Take(40).Select(s => JsonDocument.Parse(s).RootElement.GetProperty("params").GetProperty("data").GetProperty("i").GetInt32()));
    }

    private FakeConnection Add(string user, bool isApprover = false)
    {
        var connection = new FakeConnection(new ClientContext(Guid.NewGuid().ToString("N"), user, isApprover));
        _registry.Add(connection);
        return connection;
    }

    private FanoutWorker CreateWorker(FakeSource source, NotificationFanout fanout)
        => new(source, fanout, new FanoutCommands(), _history, new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<FanoutWorker>.Instance);

    private NotificationFanout CreateFanout(bool restrictApprovals = false)
        => new(
            _registry,
            _history,
            new NoHistory(),
            _owners,
            new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()),
            _time,
            Microsoft.Extensions.Options.Options.Create(new GatewayOptions()),
            Microsoft.Extensions.Options.Options.Create(new AuthOptions { RestrictApprovals = restrictApprovals }),
            NullLogger<NotificationFanout>.Instance);

    private static SourceNotification Message(string channel, string payload)
        => new("nexus:notify:" + channel, Encoding.UTF8.GetBytes(payload));

    private sealed class FakeConnection(ClientContext client) : IClientConnection
    {
        public List<ReadOnlyMemory<byte>> Sent { get; } = [];

        public bool Accept { get; set; } = true;

        public ClientContext Client { get; } = client;

        public Task Completion => Task.CompletedTask;

        /// <summary>For each message taken: whether it came with a batch.</summary>
        public List<bool> Batched { get; } = [];

        public bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch)
        {
            if (Accept)
            {
                Sent.Add(message);
                Batched.Add(batch is not null);
            }

            return Accept;
        }

        public void Close(WebSocketCloseStatus status, string description, TimeSpan timeout)
        {
        }

        public void Abort()
        {
        }
    }

    /// <summary>A history with nothing in it: these tests publish plain notifications, which never ask it.</summary>
    private sealed class NoHistory : IHistoryReader
    {
        public Task<string?> EpochAsync() => Task.FromResult<string?>(null);

        public Task<bool> ContainsAsync(HistoryId id) => Task.FromResult(false);

        public Task<IReadOnlyList<StoredNotification>> ReadAsync(HistoryId after, HistoryId? before) => Task.FromResult<IReadOnlyList<StoredNotification>>([]);
    }

    private sealed class FakeOwners : ISessionOwnerLookup
    {
        public Dictionary<string, string> Owners { get; } = [];

        public HashSet<string> Failing { get; } = [];

        public ValueTask<string?> GetOwnerAsync(string sessionId, CancellationToken cancellationToken)
            => Failing.Contains(sessionId)
                ? ValueTask.FromException<string?>(new InvalidOperationException("lookup failed"))
                : ValueTask.FromResult(Owners.GetValueOrDefault(sessionId));
    }

    private sealed class FakeSource : INotificationSource
    {
        private readonly Channel<SourceNotification> _channel = Channel.CreateUnbounded<SourceNotification>();

        public long Backlog => _channel.Reader.Count;

        public void Write(SourceNotification notification) => _channel.Writer.TryWrite(notification);

        public void Complete() => _channel.Writer.Complete();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask<SourceNotification?> ReadAsync(CancellationToken cancellationToken)
            => await _channel.Reader.WaitToReadAsync(cancellationToken) && _channel.Reader.TryRead(out var notification) ? notification : null;

        public bool TryRead(out SourceNotification notification) => _channel.Reader.TryRead(out notification);

        public Task StopAsync()
        {
            _channel.Writer.TryComplete();
            return Task.CompletedTask;
        }
    }

    private sealed class RejectedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RejectedCounter(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "nexus.gateway.notifications.rejected" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
