using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>The single-writer protocol of <see cref="SocketWriter"/>: inline writes, hand-off, bound, order, no concurrent send.</summary>
public sealed class SocketWriterTests
{
    [Fact]
    public async Task Idle_socket_is_written_inline_by_the_producer()
    {
        var socket = new FakeSocket();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));

        // Written before TryEnqueue returned, on this thread, nothing left queued.
        Assert.Single(socket.Sent);
        Assert.Equal(0, writer.QueuedBytes);
        writer.RequestClose(WebSocketCloseStatus.NormalClosure, "done");
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.ClosedWith);
    }

    [Fact]
    public async Task Pending_inline_write_is_handed_to_the_send_loop_and_later_messages_keep_their_order()
    {
        var socket = new FakeSocket();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Gate = gate.Task;
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 2 }));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 3 }));
        Assert.Single(socket.Sent);
        Assert.Equal(3, writer.QueuedBytes);

        socket.Gate = null;
        gate.SetResult();

        await Wait.UntilAsync(() => socket.Sent.Count == 3 && writer.QueuedBytes == 0, "queue drained");
        Assert.Equal(new byte[] { 1, 2, 3 }, socket.Sent.Select(s => s[0]));
        Assert.Equal(0, socket.Overlaps);
        writer.RequestClose(WebSocketCloseStatus.NormalClosure, "done");
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Over_MaxQueuedBytes_the_producer_is_told_full_without_blocking()
    {
        var socket = new FakeSocket { Gate = new TaskCompletionSource().Task };
        var writer = new SocketWriter(socket, 10);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[6]));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[4]));
        Assert.Equal(EnqueueResult.Full, writer.TryEnqueue(new byte[1]));
        Assert.Equal(10, writer.QueuedBytes);

        writer.RequestClose(CloseStatuses.TryAgainLater, "slow");
        Assert.Equal(EnqueueResult.Closed, writer.TryEnqueue(new byte[1]));
        socket.Abort();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_message_larger_than_MaxQueuedBytes_is_refused_even_when_the_socket_is_idle()
    {
        var socket = new FakeSocket();
        var writer = new SocketWriter(socket, 10);
        var loop = writer.RunAsync();

        // The inline path used to write any size to an idle socket, uncounted (issue 11).
        Assert.Equal(EnqueueResult.Full, writer.TryEnqueue(new byte[11]));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[10]));

        Assert.Equal([10], socket.Sent.Select(m => m.Length));
        Assert.Equal(0, writer.QueuedBytes);
        writer.RequestClose(WebSocketCloseStatus.NormalClosure, "done");
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Concurrent_producers_never_overlap_sends_lose_or_reorder_messages()
    {
        const int Producers = 4;
        const int PerProducer = 5000;
        var socket = new FakeSocket { RandomlyPending = true };
        var writer = new SocketWriter(socket, long.MaxValue);
        var loop = writer.RunAsync();

        await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                var message = new byte[5];
                message[0] = (byte)p;
                BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(1), i);
                Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(message));
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        await Wait.UntilAsync(() => socket.Sent.Count == Producers * PerProducer && writer.QueuedBytes == 0, "every message sent");
        Assert.Equal(0, socket.Overlaps);
        for (var p = 0; p < Producers; p++)
        {
            var sequence = socket.Sent.Where(s => s[0] == p).Select(s => BinaryPrimitives.ReadInt32LittleEndian(s.AsSpan(1)));
            Assert.Equal(Enumerable.Range(0, PerProducer), sequence);
        }

        writer.RequestClose(WebSocketCloseStatus.NormalClosure, "done");
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class FakeSocket : WebSocket
    {
        private readonly ConcurrentQueue<byte[]> _sent = new();
        private int _sending;
        private int _overlaps;
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        public Task? Gate { get; set; }

        public bool RandomlyPending { get; init; }

        public List<byte[]> Sent => [.. _sent];

        public int Overlaps => Volatile.Read(ref _overlaps);

        public WebSocketCloseStatus? ClosedWith { get; private set; }

        public override WebSocketCloseStatus? CloseStatus => ClosedWith;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => _state;

        public override string? SubProtocol => null;

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            if (_state == WebSocketState.Aborted)
            {
                throw new WebSocketException(WebSocketError.InvalidState);
            }

            if (Interlocked.Increment(ref _sending) != 1)
            {
                Interlocked.Increment(ref _overlaps);
            }

            _sent.Enqueue(buffer.ToArray());
            var gate = Gate;
            if (gate is not null)
            {
                return new ValueTask(FinishAfterAsync(gate));
            }

            if (RandomlyPending && Random.Shared.Next(4) == 0)
            {
                return new ValueTask(FinishAfterAsync(Task.Yield()));
            }

            Interlocked.Decrement(ref _sending);
            return default;
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
            => SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            ClosedWith = closeStatus;
            _state = WebSocketState.CloseSent;
            return Task.CompletedTask;
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
            => CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
            => throw new NotSupportedException();

        /// <summary>As ManagedWebSocket does, an abort fails the pending send.</summary>
        public override void Abort()
        {
            _state = WebSocketState.Aborted;
            _aborted.TrySetResult();
        }

        public override void Dispose()
        {
        }

        private async Task FinishAfterAsync(Task gate)
        {
            await Task.WhenAny(gate, _aborted.Task);
            Interlocked.Decrement(ref _sending);
            if (_state == WebSocketState.Aborted)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely);
            }
        }

        private async Task FinishAfterAsync(System.Runtime.CompilerServices.YieldAwaitable yield)
        {
            await yield;
            Interlocked.Decrement(ref _sending);
        }
    }
}
