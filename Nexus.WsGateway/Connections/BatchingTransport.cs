using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// The stream a directly accepted WebSocket (<see cref="DirectUpgradeMiddleware"/>) runs on: Kestrel's connection
/// pipes, with no HTTP request in between. Writes go into the output pipe and are flushed at once, unless a batch
/// is open: then frames accumulate in the pipe and one flush (one wake of Kestrel's send loop, one <c>send</c>)
/// carries them all when the batch ends (issue 5: a flush per delivery kept the gateway behind a bare server).
/// </summary>
/// <remarks>
/// Writers are ManagedWebSocket (data frames from the connection's single writer, and its own pongs, keep-alive
/// pings and close frames, all under its send lock) and <see cref="EndBatch"/>, which runs outside that lock.
/// <see cref="_gate"/> orders them, so a pipe write or flush never overlaps another (a <see cref="PipeWriter"/> is
/// not thread-safe). Uncontended it completes synchronously and allocates nothing.
/// Reads: a zero-byte read waits for data without taking a buffer, so an idle socket holds none.
/// </remarks>
internal sealed class BatchingTransport(PipeReader input, PipeWriter output) : Stream
{
    private const int MaxFrameHeaderBytes = 10;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _batchOpen;
    private volatile bool _completed;
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Holds writes until <see cref="EndBatch"/>. Returns false when a batch is already open, so the caller registers
    /// each transport once per batch. Called only by the holder of the connection's writer.
    /// </summary>
    public bool BeginBatch()
    {
        if (_batchOpen || _completed)
        {
            return false;
        }

        _batchOpen = true;
        return true;
    }

    /// <summary>
    /// Flushes what the batch holds. Never throws and never waits for the client: a flush that cannot complete at
    /// once keeps the gate until it does, so later writes queue behind it and the connection's writer hands them to
    /// its send loop. A failed flush aborts <paramref name="socket"/>.
    /// </summary>
    public void EndBatch(WebSocket socket)
    {
        ValueTask pending;
        try
        {
            pending = EndBatchAsync();
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            socket.Abort();
            return;
        }

        if (!pending.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(pending, socket);
        }
    }

    /// <summary>
    /// Ends writing before the connection goes back to Kestrel: waits for a write in progress and refuses every
    /// later one. Bytes written and not flushed are not lost: completing the pipe (Kestrel does) commits them.
    /// </summary>
    public async ValueTask CompleteAsync()
    {
        await _gate.WaitAsync();
        _completed = true;
        _batchOpen = false;
        _gate.Release();
    }

    /// <summary>
    /// Writes one text message as a single unmasked frame (RFC 6455 section 5.2; a server never masks) straight into
    /// the pipe. The bytes are those ManagedWebSocket would write, without its send lock and the copy through its
    /// send buffer: the fan-out's per-recipient path. Control frames and the close handshake stay ManagedWebSocket's;
    /// the gate keeps whole frames from interleaving. Its only caller, the connection's <see cref="SocketWriter"/>, never
    /// passes a message larger than <c>Gateway:MaxQueuedBytes</c>, so one frame never grows the pipe past that.
    /// </summary>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> payload) => WriteToPipeAsync(payload, asTextFrame: true, CancellationToken.None);

    /// <summary>ManagedWebSocket's writes: each call is one whole frame it has already built.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => WriteToPipeAsync(buffer, asTextFrame: false, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Every write is flushed already (or by its batch); nothing is left to flush here.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await input.ReadAsync(cancellationToken);
        var data = result.Buffer;
        if (result.IsCanceled || _disposed)
        {
            input.AdvanceTo(data.Start);
            throw new ObjectDisposedException(nameof(BatchingTransport));
        }

        if (buffer.IsEmpty || data.IsEmpty)
        {
            // A zero-byte read: data has arrived (nothing consumed); or the client has gone (0 = end of stream).
            input.AdvanceTo(data.Start);
            return 0;
        }

        var count = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        input.AdvanceTo(data.GetPosition(count));
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
        => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// ManagedWebSocket disposes its stream when it closes or aborts: a pending read must end then, and so must a
    /// flush that waits for a client that stopped reading (the send loop is awaiting it).
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            input.CancelPendingRead();
            output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }

    /// <summary>The only writer of the pipe besides <see cref="EndBatchAsync"/>: under the gate, flushed unless a batch is open.</summary>
    private async ValueTask WriteToPipeAsync(ReadOnlyMemory<byte> bytes, bool asTextFrame, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_completed || _disposed, this);
            if (asTextFrame)
            {
                WriteTextFrameHeader(bytes.Length);
            }

            output.Write(bytes.Span);
            if (!_batchOpen)
            {
                var flushed = await output.FlushAsync(cancellationToken);
                ObjectDisposedException.ThrowIf(flushed.IsCanceled, this);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>FIN and the text opcode, then the payload length in 7 bits, or 16 or 64 bits big-endian.</summary>
    private void WriteTextFrameHeader(int length)
    {
        var header = output.GetSpan(MaxFrameHeaderBytes);
        header[0] = 0x81;
        if (length <= 125)
        {
            header[1] = (byte)length;
            output.Advance(2);
        }
        else if (length <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
            output.Advance(4);
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
            output.Advance(MaxFrameHeaderBytes);
        }
    }

    private async ValueTask EndBatchAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_batchOpen)
            {
                _batchOpen = false;
                if (!_completed && !_disposed)
                {
                    await output.FlushAsync();
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task ObserveAsync(ValueTask pending, WebSocket socket)
    {
        try
        {
            await pending;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            socket.Abort();
        }
    }

    private static bool IsTransportFailure(Exception ex)
        => ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException;
}
