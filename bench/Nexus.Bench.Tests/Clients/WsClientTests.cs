using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Nexus.Bench.LoadGen.Clients;

namespace Nexus.Bench.Tests.Clients;

/// <summary>
/// The raw client against a scripted server on loopback: frames cut at every kind of boundary, one larger than the
/// receive buffer, a fragmented message, a ping, and the close. Every await has a timeout.
/// </summary>
public sealed class WsClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Frames_cut_anywhere_grown_past_the_buffer_or_fragmented_are_each_scanned_once()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        using var cancel = new CancellationTokenSource(Timeout);
        var accepted = listener.AcceptSocketAsync(cancel.Token).AsTask();

        var connecting = WsClient.ConnectAsync(3, IPAddress.Loopback, endpoint, "/ws", signalR: false, 1024, cancel.Token);
        using var server = await accepted.WaitAsync(Timeout);
        server.NoDelay = true;
        await ReadRequestHeadAsync(server, cancel.Token);

        var first = Text("""{"jsonrpc":"2.0","method":"notify","params":{"data":{"seq":1,"t":11}}}""");
        var large = Text("{\"pad\":\"" + new string('x', 5000) + "\",\"data\":{\"seq\":2,\"t\":22}}");
        var fragments = Frame(0x01, Encoding.UTF8.GetBytes("""{"data":{"seq":3,"""))
            .Concat(Frame(0x80, Encoding.UTF8.GetBytes("\"t\":33}}"))).ToArray();
        var ping = Frame(0x89, "hi"u8.ToArray());
        var close = Frame(0x88, [0x03, 0xE8, (byte)'b', (byte)'y', (byte)'e']);

        // The 101 and the first bytes of the first frame in one write, as a server may send them.
        var head = Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        await server.SendAsync(head.Concat(first.Take(5)).ToArray(), cancel.Token);
        await using var client = await connecting.WaitAsync(Timeout);
        var sink = new RecordingSink();
        var running = client.RunAsync(sink, cancel.Token);

        await SendInPiecesAsync(server, first.Skip(5).Concat(large).Concat(fragments).Concat(ping).ToArray(), 7, cancel.Token);
        var pong = new byte[2 + 4 + 2];
        await ReceiveExactlyAsync(server, pong, cancel.Token);
        await server.SendAsync(close, cancel.Token);
        await running.WaitAsync(Timeout);

        Assert.Equal([(3, 1L, 11L), (3, 2L, 22L), (3, 3L, 33L)], sink.Deliveries);
        Assert.Equal(["closed 1000 bye"], sink.Closes);
        Assert.Equal(0x8A, pong[0]);
        Assert.Equal(0x80 | 2, pong[1]);
        Assert.Equal("hi"u8.ToArray(), new[] { (byte)(pong[6] ^ pong[2]), (byte)(pong[7] ^ pong[3]) });
    }

    [Fact]
    public async Task A_text_message_sent_by_the_client_arrives_masked_and_whole()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cancel = new CancellationTokenSource(Timeout);
        var accepted = listener.AcceptSocketAsync(cancel.Token).AsTask();
        var connecting = WsClient.ConnectAsync(0, IPAddress.Loopback, (IPEndPoint)listener.LocalEndpoint, "/ws?user=u", signalR: false, 1024, cancel.Token);
        using var server = await accepted.WaitAsync(Timeout);
        var request = await ReadRequestHeadAsync(server, cancel.Token);
        await server.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"), cancel.Token);
        await using var client = await connecting.WaitAsync(Timeout);
        // A since of 64 characters, the longest an id may be: the frame needs the 16-bit length form.
        var since = "1764345600000000:1764345600000-" + new string('9', 64 - 31);
        var message = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"notify.resume\",\"params\":{\"since\":\"" + since + "\"}}");
        Assert.True(message.Length > 125);

        await client.SendTextAsync(message, cancel.Token);
        var frame = new byte[4 + 4 + message.Length];
        await ReceiveExactlyAsync(server, frame, cancel.Token);

        Assert.StartsWith("GET /ws?user=u HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Equal(0x81, frame[0]);
        Assert.Equal(0x80 | 126, frame[1]);
        Assert.Equal(message.Length, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)));
        Assert.Equal(message, frame.Skip(8).Select((b, i) => (byte)(b ^ frame[4 + (i & 3)])).ToArray());
    }

    private static byte[] Text(string json) => Frame(0x81, Encoding.UTF8.GetBytes(json));

    private static byte[] Frame(byte first, byte[] payload)
    {
        var header = payload.Length <= 125 ? 2 : 4;
        var frame = new byte[header + payload.Length];
        frame[0] = first;
        if (header == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }

        payload.CopyTo(frame, header);
        return frame;
    }

    private static async Task SendInPiecesAsync(Socket socket, byte[] bytes, int piece, CancellationToken cancellationToken)
    {
        for (var at = 0; at < bytes.Length; at += piece)
        {
            await socket.SendAsync(bytes.AsMemory(at, Math.Min(piece, bytes.Length - at)), SocketFlags.None, cancellationToken);
        }
    }

    private static async Task<string> ReadRequestHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var filled = 0;
        while (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            Assert.True(read > 0, "the client closed before its request head was complete");
            filled += read;
        }

        return Encoding.ASCII.GetString(buffer, 0, filled);
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            Assert.True(read > 0, $"the client closed after {filled} of {buffer.Length} bytes");
            filled += read;
        }
    }

    private sealed class RecordingSink : IDeliverySink
    {
        public List<(int Client, long Seq, long Sent)> Deliveries { get; } = [];

        public List<string> Closes { get; } = [];

        public void OnDelivery(int client, long seq, long sentTimestamp) => Deliveries.Add((client, seq, sentTimestamp));

        public void OnClosed(int client, string reason) => Closes.Add(reason);
    }
}
