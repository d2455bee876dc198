using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// The only code that writes to one socket: a queue bounded by bytes, drained by one writer at a time.
/// </summary>
/// <remarks>
/// <para><b>Who writes.</b> <see cref="_writerBusy"/> is the right to call <c>SendAsync</c>/<c>CloseOutputAsync</c>.
/// It is taken with a CAS by either the send loop, or by a producer (the fan-out thread, or the receive loop
/// with a reply) that finds the queue empty: that producer writes INLINE, which saves a thread-pool wake-up per
/// message while the client keeps up.</para>
/// <para><b>Inline write.</b> The producer calls <c>SendAsync</c> with no cancellation token (the token-free path of
/// ManagedWebSocket completes synchronously when the transport takes the bytes). If it completed, the producer
/// releases the flag and re-checks. If it is still pending, the producer never awaits it: it stores the pending
/// <see cref="ValueTask"/> as the hand-off, KEEPS the flag (ownership passes to the send loop) and signals. The send
/// loop awaits the hand-off, then drains the queue under the same ownership.</para>
/// <para><b>No lost wake-up.</b> (1) Every enqueue is followed by <see cref="AsyncSignal.Set"/>, which is sticky.
/// (2) When the send loop wakes and cannot take the flag, the holder is an inline writer or a hand-off; (3) every
/// release of the flag is an <see cref="Interlocked.Exchange(ref int, int)"/> (a full fence) followed by a re-check
/// of the queue and of a close request, signalling when work is left. Interlocked operations are totally ordered,
/// so an item enqueued before the send loop's failed CAS is visible to the holder's re-check after its release.</para>
/// <para><b>Order.</b> A producer writes inline only when the queue is empty and nobody holds the flag, and a pending
/// inline write keeps the flag until the send loop has finished it, so each producer's messages (one Redis channel:
/// the single fan-out consumer) leave in the order they were given.</para>
/// <para><b>Bound.</b> <see cref="_queuedBytes"/> counts queued and in-flight bytes; over the limit the producer gets
/// <see cref="EnqueueResult.Full"/> and the connection closes the client as slow. A producer never blocks. No single
/// message larger than the limit is taken either, on the inline path too (docs/protocol.md section 3, issue 11): the engine
/// replaces such a reply and the fan-out refuses such a notification, so this is the last line, not the rule.</para>
/// <para><b>Idle cost.</b> The queue is created on the first message that cannot be written inline: a
/// <see cref="ConcurrentQueue{T}"/> allocates a 32-slot segment (about 1 KB) when constructed, and most connections
/// (idle ones, and those that keep up at moderate rates) never need it (issue 5: idle memory per connection).</para>
/// <para><b>Batches.</b> When the fan-out passes over a backlog it gives a <see cref="WriteBatch"/>: an inline write
/// then opens a batch on the <see cref="BatchingTransport"/> (once per pass), so the frames of several messages
/// leave in one flush when the pass ends. A socket accepted by the ASP.NET Core endpoint has no such transport:
/// there every write is flushed.</para>
/// </remarks>
internal sealed class SocketWriter(WebSocket socket, long maxQueuedBytes, BatchingTransport? transport = null)
{
    private ConcurrentQueue<ReadOnlyMemory<byte>>? _queue;
    private readonly AsyncSignal _signal = new();
    private long _queuedBytes;
    private int _writerBusy;
    private int _handoffReady;
    private ValueTask _handoff;
    private int _handoffBytes;
    private CloseRequest? _close;

    /// <summary>Bytes waiting to be sent or being sent.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public bool IsClosing => Volatile.Read(ref _close) is not null;

    /// <summary>Never blocks and never throws. The same memory may be given to many writers: it is only read.</summary>
    public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> message, WriteBatch? batch = null)
    {
        if (IsClosing)
        {
            return EnqueueResult.Closed;
        }

        if (message.Length > maxQueuedBytes)
        {
            // An idle socket used to take any size inline, uncounted; now what cannot be queued cannot be sent.
            return EnqueueResult.Full;
        }

        if (QueueIsEmpty() && Interlocked.CompareExchange(ref _writerBusy, 1, 0) == 0)
        {
            // The flag is ours; the authoritative emptiness check is this one, made while holding it.
            if (QueueIsEmpty() && !IsClosing)
            {
                if (batch is not null && transport is not null && transport.BeginBatch())
                {
                    batch.Opened(this);
                }

                return WriteInline(message);
            }

            ReleaseWriter();
        }

        if (Interlocked.Add(ref _queuedBytes, message.Length) > maxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -message.Length);
            return EnqueueResult.Full;
        }

        (Volatile.Read(ref _queue) ?? CreateQueue()).Enqueue(message);
        _signal.Set();
        return EnqueueResult.Accepted;
    }

    /// <summary>Flushes the frames held since this writer joined the fan-out's batch. Called by the fan-out only.</summary>
    public void EndBatch() => transport?.EndBatch(socket);

    /// <summary>
    /// Asks the send loop to stop sending data and send a close frame (when the socket can still take one).
    /// Returns false when a close was already requested: the first reason wins.
    /// </summary>
    public bool RequestClose(WebSocketCloseStatus status, string? description)
    {
        var request = new CloseRequest(status, status == WebSocketCloseStatus.Empty ? null : description);
        if (Interlocked.CompareExchange(ref _close, request, null) is not null)
        {
            return false;
        }

        _signal.Set();
        return true;
    }

    /// <summary>The send loop. Completes after the close frame was sent, or when the socket fails.</summary>
    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _signal.WaitAsync();
                if (Volatile.Read(ref _handoffReady) != 0)
                {
                    // An inline write went pending and passed the flag to us with it.
                    var pending = _handoff;
                    var bytes = _handoffBytes;
                    _handoff = default;
                    Volatile.Write(ref _handoffReady, 0);
                    await pending;
                    Interlocked.Add(ref _queuedBytes, -bytes);
                }
                else if (Interlocked.CompareExchange(ref _writerBusy, 1, 0) != 0)
                {
                    // An inline writer holds the socket; its release re-checks and signals if work is left.
                    continue;
                }

                if (await DrainAsync())
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The transport is gone: stop taking messages and make sure the receive side ends too.
            Interlocked.CompareExchange(ref _close, CloseRequest.TransportFailed, null);
            socket.Abort();
        }
    }

    /// <summary>Sends while holding the flag. Returns true when the close was sent and the loop must end.</summary>
    private async ValueTask<bool> DrainAsync()
    {
        while (true)
        {
            if (IsClosing)
            {
                await SendCloseAsync();
                return true;
            }

            if (Volatile.Read(ref _queue) is { } queue && queue.TryDequeue(out var message))
            {
                await SendAsync(message);
                Interlocked.Add(ref _queuedBytes, -message.Length);
                continue;
            }

            Interlocked.Exchange(ref _writerBusy, 0);
            if (!HasWork() || Interlocked.CompareExchange(ref _writerBusy, 1, 0) != 0)
            {
                return false;
            }
        }
    }

    private async ValueTask SendCloseAsync()
    {
        // Data still queued is abandoned on purpose: the client is being closed (slow, protocol error or shutdown).
        var close = Volatile.Read(ref _close)!;
        if (close.Status is { } status && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(status, close.Description, CancellationToken.None);
        }
    }

    private EnqueueResult WriteInline(ReadOnlyMemory<byte> message)
    {
        ValueTask pending;
        try
        {
            pending = SendAsync(message);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return FailInline();
        }

        if (pending.IsCompleted)
        {
            try
            {
                pending.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
            {
                return FailInline();
            }

            ReleaseWriter();
            return EnqueueResult.Accepted;
        }

        // Pending: hand it over with the flag still held. Fields first, then the ready flag, then the signal.
        Interlocked.Add(ref _queuedBytes, message.Length);
        _handoffBytes = message.Length;
        _handoff = pending;
        Volatile.Write(ref _handoffReady, 1);
        _signal.Set();
        return EnqueueResult.Accepted;
    }

    /// <summary>
    /// One text message. On a <see cref="BatchingTransport"/> the frame goes straight into the pipe; otherwise through
    /// ManagedWebSocket, whose token-free path completes synchronously when the transport takes the bytes.
    /// </summary>
    private ValueTask SendAsync(ReadOnlyMemory<byte> message)
        => transport is not null
            ? transport.SendTextAsync(message)
            : socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private EnqueueResult FailInline()
    {
        Interlocked.CompareExchange(ref _close, CloseRequest.TransportFailed, null);
        socket.Abort();
        ReleaseWriter();
        return EnqueueResult.Closed;
    }

    private void ReleaseWriter()
    {
        Interlocked.Exchange(ref _writerBusy, 0);
        if (HasWork())
        {
            _signal.Set();
        }
    }

    private bool HasWork() => !QueueIsEmpty() || IsClosing;

    private bool QueueIsEmpty() => Volatile.Read(ref _queue) is not { IsEmpty: false };

    /// <summary>Producers may race to create it; the first one wins and every producer enqueues into that one.</summary>
    private ConcurrentQueue<ReadOnlyMemory<byte>> CreateQueue()
    {
        var created = new ConcurrentQueue<ReadOnlyMemory<byte>>();
        return Interlocked.CompareExchange(ref _queue, created, null) ?? created;
    }

    /// <summary>Published whole with one CAS, so the first close reason wins and is read consistently.</summary>
    private sealed record CloseRequest(WebSocketCloseStatus? Status, string? Description)
    {
        public static readonly CloseRequest TransportFailed = new(null, null);
    }
}
