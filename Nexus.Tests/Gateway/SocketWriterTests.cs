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
        var socket = FakeSocket.Gated();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 2 }));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 3 }));
        Assert.Single(socket.Sent);
        Assert.Equal(3, writer.QueuedBytes);

        socket.OpenGate();

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

    [Fact]
    public async Task A_lone_inline_write_that_went_pending_is_finished_by_the_send_loop_which_then_frees_the_socket()
    {
        var socket = FakeSocket.Gated();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));
        Assert.Equal(1, writer.QueuedBytes);

        // Nothing else is enqueued: only the hand-off itself can wake the send loop.
        socket.OpenGate();
        await Wait.UntilAsync(() => writer.QueuedBytes == 0, "the send loop finished the hand-off");

        await AssertWrittenInlineAsync(writer, socket, 6);
        await CloseNormallyAsync(writer, loop, socket);
    }

    [Fact]
    public async Task After_the_send_loop_drains_a_backlog_the_next_message_is_written_inline_again()
    {
        var socket = FakeSocket.Gated();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();
        for (byte i = 1; i <= 5; i++)
        {
            Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new[] { i }));
        }

        socket.OpenGate();
        await Wait.UntilAsync(() => socket.Sent.Count == 5 && writer.QueuedBytes == 0, "the backlog sent");

        // The loop gave the socket back: later messages leave before TryEnqueue returns.
        await AssertWrittenInlineAsync(writer, socket, 6);
        await CloseNormallyAsync(writer, loop, socket);
    }

    [Fact]
    public async Task Queueing_behind_a_busy_socket_allocates_nothing_per_message()
    {
        var socket = new FakeSocket { Gate = new TaskCompletionSource().Task };
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();
        var message = new byte[] { 1 };
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(message));
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(message));

        // The queue exists now (one segment of 32 slots); the fan-out's hot path adds to it.
        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            accepted += writer.TryEnqueue(message) == EnqueueResult.Accepted ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20, accepted);
        Assert.Equal(0, allocated);
        Assert.Equal(22, writer.QueuedBytes);
        socket.Abort();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_first_close_request_wins_and_its_status_and_reason_reach_the_socket()
    {
        var socket = new FakeSocket();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.True(writer.RequestClose(CloseStatuses.TryAgainLater, "slow client"));
        Assert.False(writer.RequestClose(WebSocketCloseStatus.NormalClosure, "shutdown"));
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CloseStatuses.TryAgainLater, socket.ClosedWith);
        Assert.Equal("slow client", socket.ClosedDescription);
    }

    [Fact]
    public async Task A_close_with_status_Empty_carries_no_reason_which_RFC_6455_would_not_allow()
    {
        var socket = new FakeSocket();
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.True(writer.RequestClose(WebSocketCloseStatus.Empty, "ignored"));
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.Empty, socket.ClosedWith);
        Assert.Null(socket.ClosedDescription);
    }

    [Fact]
    public async Task A_send_failing_in_the_send_loop_aborts_the_socket_and_refuses_later_messages()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var socket = new FakeSocket { Gate = gate.Task, FailPendingWith = new IOException("connection reset") };
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));

        gate.SetResult();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketState.Aborted, socket.State);
        Assert.True(writer.IsClosing);
        Assert.Equal(EnqueueResult.Closed, writer.TryEnqueue(new byte[] { 2 }));
    }

    public static TheoryData<string> TransportFailures => [nameof(IOException), nameof(WebSocketException), nameof(ObjectDisposedException), nameof(OperationCanceledException), nameof(InvalidOperationException)];

    [Theory]
    [MemberData(nameof(TransportFailures))]
    public async Task An_inline_write_that_fails_at_once_aborts_the_socket_and_tells_the_producer_closed(string failure)
    {
        Exception exception = failure switch
        {
            nameof(IOException) => new IOException("connection reset"),
            nameof(WebSocketException) => new WebSocketException(WebSocketError.ConnectionClosedPrematurely),
            nameof(ObjectDisposedException) => new ObjectDisposedException("socket"),
            nameof(OperationCanceledException) => new OperationCanceledException(),
            _ => new InvalidOperationException("closed"),
        };
        var socket = new FakeSocket { FailSynchronously = exception };
        var writer = new SocketWriter(socket, 1024);
        var loop = writer.RunAsync();

        Assert.Equal(EnqueueResult.Closed, writer.TryEnqueue(new byte[] { 1 }));

        Assert.Equal(WebSocketState.Aborted, socket.State);
        Assert.Equal(EnqueueResult.Closed, writer.TryEnqueue(new byte[] { 2 }));
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Each_message_is_one_whole_text_message()
    {
        var socket = new FakeSocket();
        var writer = new SocketWriter(socket, 1024);

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new byte[] { 1 }));

        Assert.Equal([(WebSocketMessageType.Text, true)], socket.Kinds);
    }

    /// <summary>The send loop is still waiting for work, and ends with the close frame it is asked for.</summary>
    private static async Task CloseNormallyAsync(SocketWriter writer, Task loop, FakeSocket socket)
    {
        Assert.False(loop.IsCompleted, "the send loop waits for more work; it does not end when the queue is empty");
        writer.RequestClose(WebSocketCloseStatus.NormalClosure, "done");
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.ClosedWith);
    }

    /// <summary>
    /// Sends <paramref name="attempts"/> messages one at a time, each once the previous one has left, and asserts that
    /// nearly all were written inline: on this thread, before TryEnqueue returned. The send loop may be between its
    /// last send and giving the socket back, or take one extra turn for a signal an earlier enqueue left; two attempts
    /// are allowed to meet that. A loop that never gives the socket back makes every attempt a queued one.
    /// </summary>
    private static async Task AssertWrittenInlineAsync(SocketWriter writer, FakeSocket socket, int attempts)
    {
        var inline = 0;
        for (var i = 0; i < attempts; i++)
        {
            var before = socket.Sent.Count;
            Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(new[] { (byte)i }));
            if (socket.Sent.Count == before + 1 && writer.QueuedBytes == 0)
            {
                inline++;
            }

            await Wait.UntilAsync(() => socket.Sent.Count == before + 1 && writer.QueuedBytes == 0 && !socket.IsSending, "the message sent");
        }

        Assert.True(inline >= attempts - 2, $"{inline} of {attempts} messages were written inline");
    }

    private sealed class FakeSocket : WebSocket
    {
        private readonly ConcurrentQueue<byte[]> _sent = new();
        private int _sending;
        private int _overlaps;
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        private TaskCompletionSource? _gateSource;

        public Task? Gate { get; set; }

        public bool RandomlyPending { get; init; }

        /// <summary>A socket whose sends stay pending until <see cref="OpenGate"/>, as when the client reads nothing.</summary>
        public static FakeSocket Gated()
        {
            var socket = new FakeSocket { _gateSource = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
            socket.Gate = socket._gateSource.Task;
            return socket;
        }

        /// <summary>The pending sends complete; later ones complete at once.</summary>
        public void OpenGate()
        {
            Gate = null;
            _gateSource!.SetResult();
        }

        /// <summary>A pending send fails with this once its gate opens (a connection reset while waiting).</summary>
        public Exception? FailPendingWith { get; init; }

        /// <summary>Every send fails at once with this (a transport already gone).</summary>
        public Exception? FailSynchronously { get; init; }

        public List<(WebSocketMessageType Type, bool EndOfMessage)> Kinds { get; } = [];

        public bool IsSending => Volatile.Read(ref _sending) != 0;

        public string? ClosedDescription { get; private set; }

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

            if (FailSynchronously is { } failure)
            {
                return ValueTask.FromException(failure);
            }

            lock (Kinds)
            {
                Kinds.Add((messageType, endOfMessage));
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
            ClosedDescription = statusDescription;
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

            if (FailPendingWith is { } failure)
            {
                throw failure;
            }
        }

        private async Task FinishAfterAsync(System.Runtime.CompilerServices.YieldAwaitable yield)
        {
            await yield;
            Interlocked.Decrement(ref _sending);
        }
    }
}
