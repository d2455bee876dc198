using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The frames <see cref="BatchingTransport"/> writes itself (the fan-out's text frames, RFC 6455 section 5.2) and the
/// control frames ManagedWebSocket writes through it while a batch holds the flush, on in-memory pipes.
/// </summary>
public sealed class BatchingTransportTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(70_000)]
    public async Task A_text_frame_has_the_7_16_or_64_bit_length_of_RFC_6455_and_a_client_reads_it_back(int length)
    {
        // No back-pressure: the 70,000 bytes are flushed without a reader.
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var transport = new BatchingTransport(new Pipe().Reader, toClient.Writer);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var writer = new SocketWriter(socket, 1024 * 1024, transport);
        var payload = Encoding.ASCII.GetBytes(new string('x', length));

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue(payload));

        Assert.True(toClient.Reader.TryRead(out var flushed));
        var bytes = flushed.Buffer.ToArray();
        toClient.Reader.AdvanceTo(flushed.Buffer.End);
        byte[] header = length switch
        {
            <= 125 => [0x81, (byte)length],
            <= ushort.MaxValue => [0x81, 126, (byte)(length >> 8), (byte)length],
            _ => [0x81, 127, .. BigEndian64(length)],
        };
        Assert.Equal(header, bytes[..header.Length]);
        Assert.Equal(header.Length + length, bytes.Length);

        // What a client makes of it: one text message, the same bytes.
        using var client = WebSocket.CreateFromStream(new MemoryStream(bytes), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var received = new byte[length + 1];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var total = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await client.ReceiveAsync(received.AsMemory(total), cts.Token);
            total += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal(payload, received[..total]);
    }

    [Fact]
    public async Task A_pong_answering_a_ping_during_a_batch_is_written_whole_between_the_batchs_frames_and_leaves_with_them()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var transport = new BatchingTransport(toServer.Reader, toClient.Writer);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var writer = new SocketWriter(socket, 1024, transport);
        var batch = new WriteBatch();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("one"u8.ToArray(), batch));

        // The client pings, then sends a message. Receiving the message means the ping before it was answered.
        await toServer.Writer.WriteAsync(ClientFrame(0x89, "ping!"u8), cts.Token);
        await toServer.Writer.WriteAsync(ClientFrame(0x81, "hi"u8), cts.Token);
        var buffer = new byte[16];
        var message = await socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
        Assert.Equal("hi", Encoding.ASCII.GetString(buffer, 0, message.Count));
        Assert.False(toClient.Reader.TryRead(out _), "the pong waits for the batch, as its frames do");

        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("two"u8.ToArray(), batch));
        batch.Complete();

        Assert.True(toClient.Reader.TryRead(out var flushed));
        byte[] expected = [0x81, 3, .. "one"u8, 0x8A, 5, .. "ping!"u8, 0x81, 3, .. "two"u8];
        Assert.Equal(expected, flushed.Buffer.ToArray());
    }

    [Fact]
    public async Task A_batch_opens_once_until_it_ends_and_never_after_the_transport_completed()
    {
        var (transport, socket, toClient) = Transport();

        Assert.True(transport.BeginBatch());
        Assert.False(transport.BeginBatch());
        transport.EndBatch(socket);
        Assert.True(transport.BeginBatch());
        transport.EndBatch(socket);

        await transport.CompleteAsync();
        Assert.False(transport.BeginBatch());
        Assert.False(toClient.Reader.TryRead(out _), "empty batches flush nothing");
    }

    [Fact]
    public async Task Frames_wait_for_the_end_of_their_batch_and_after_it_each_write_is_flushed_at_once()
    {
        var (transport, socket, toClient) = Transport();

        Assert.True(transport.BeginBatch());
        await transport.SendTextAsync("one"u8.ToArray());
        Assert.False(toClient.Reader.TryRead(out _), "held by the batch");
        transport.EndBatch(socket);
        Assert.Equal([0x81, 3, .. "one"u8], ReadAll(toClient));

        await transport.SendTextAsync("two"u8.ToArray());
        Assert.Equal([0x81, 3, .. "two"u8], ReadAll(toClient));
    }

    [Fact]
    public async Task After_CompleteAsync_or_Dispose_every_write_is_refused_and_nothing_reaches_the_pipe()
    {
        var (completed, _, completedOutput) = Transport();
        await completed.CompleteAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => completed.SendTextAsync("late"u8.ToArray()).AsTask());
        Assert.False(completedOutput.Reader.TryRead(out _));

        var (disposed, _, disposedOutput) = Transport();
        disposed.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.SendTextAsync("late"u8.ToArray()).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.SendTextAsync("later"u8.ToArray()).AsTask());
        Assert.False(disposedOutput.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Dispose_ends_a_pending_read_and_a_flush_waiting_for_a_client_that_stopped_reading()
    {
        var toServer = new Pipe();
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var transport = new BatchingTransport(toServer.Reader, toClient.Writer);
        var read = transport.ReadAsync(new byte[16]).AsTask();
        var write = transport.SendTextAsync(new byte[64]).AsTask();
        Assert.False(read.IsCompleted);
        Assert.False(write.IsCompleted, "the client reads nothing: the flush waits");

        // What ManagedWebSocket does when it closes or aborts.
        transport.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => read.WaitAsync(TimeSpan.FromSeconds(20)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_read_takes_what_fits_and_leaves_the_rest_for_the_next_read()
    {
        var toServer = new Pipe();
        var transport = new BatchingTransport(toServer.Reader, new Pipe().Writer);
        await toServer.Writer.WriteAsync("hello"u8.ToArray());
        var buffer = new byte[8];

        Assert.Equal(3, await transport.ReadAsync(buffer.AsMemory(0, 3)));
        Assert.Equal("hel"u8.ToArray(), buffer[..3]);
        Assert.Equal(2, await transport.ReadAsync(buffer));
        Assert.Equal("lo"u8.ToArray(), buffer[..2]);
    }

    [Fact]
    public async Task A_read_the_connection_cancels_ends_the_stream_as_disposed_not_as_an_empty_read()
    {
        var toServer = new Pipe();
        var transport = new BatchingTransport(toServer.Reader, new Pipe().Writer);

        // Kestrel cancels the pending read of a connection it aborts.
        toServer.Reader.CancelPendingRead();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.ReadAsync(new byte[8]).AsTask());
    }

    [Fact]
    public async Task A_batch_flush_that_fails_after_waiting_for_the_client_aborts_the_socket()
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var transport = new BatchingTransport(new Pipe().Reader, toClient.Writer);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

        Assert.True(transport.BeginBatch());
        await transport.SendTextAsync(new byte[64]);
        transport.EndBatch(socket);
        Assert.Equal(WebSocketState.Open, socket.State);

        // The flush is waiting for the client; the client's side then fails.
        toClient.Reader.Complete(new IOException("connection reset"));

        await Wait.UntilAsync(() => socket.State == WebSocketState.Aborted, "the socket aborted");
    }

    [Fact]
    public async Task A_write_during_a_batch_flush_that_waits_for_the_client_goes_after_it_and_the_transport_stays_usable()
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var transport = new BatchingTransport(new Pipe().Reader, toClient.Writer);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var first = Enumerable.Repeat((byte)'a', 32).ToArray();

        Assert.True(transport.BeginBatch());
        await transport.SendTextAsync(first);
        transport.EndBatch(socket);
        var second = transport.SendTextAsync("b"u8.ToArray()).AsTask();
        Assert.False(second.IsCompleted, "the batch's flush holds the transport until the client reads");

        var received = new List<byte>();
        await Wait.UntilAsync(
            () =>
            {
                if (toClient.Reader.TryRead(out var result))
                {
                    received.AddRange(result.Buffer.ToArray());
                    toClient.Reader.AdvanceTo(result.Buffer.End);
                }

                return second.IsCompleted;
            },
            "the second write");
        await second;
        await transport.SendTextAsync("c"u8.ToArray());
        received.AddRange(ReadAll(toClient));

        Assert.Equal([0x81, 32, .. first, 0x81, 1, (byte)'b', 0x81, 1, (byte)'c'], received);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    private static (BatchingTransport Transport, WebSocket Socket, Pipe ToClient) Transport()
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var transport = new BatchingTransport(new Pipe().Reader, toClient.Writer);
        return (transport, WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }), toClient);
    }

    private static byte[] ReadAll(Pipe pipe)
    {
        Assert.True(pipe.Reader.TryRead(out var result), "nothing was flushed");
        var bytes = result.Buffer.ToArray();
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    private static byte[] BigEndian64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>A client frame: masked, as RFC 6455 requires of clients, with the all-zero key (payload unchanged).</summary>
    private static byte[] ClientFrame(byte first, ReadOnlySpan<byte> payload) => [first, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
}
