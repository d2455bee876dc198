using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
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

    private static byte[] BigEndian64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>A client frame: masked, as RFC 6455 requires of clients, with the all-zero key (payload unchanged).</summary>
    private static byte[] ClientFrame(byte first, ReadOnlySpan<byte> payload) => [first, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
}
