using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>
/// One benchmark client: a raw socket bound to a chosen 127.0.0.x source address (so 10,000
/// connections do not run out of ports), an HTTP/1.1 upgrade written by hand, then a minimal
/// RFC 6455 client reading frames straight out of one reused buffer.
/// </summary>
/// <remarks>
/// Not <c>WebSocket.CreateFromStream</c>: it reads each frame with its own receive call, so on two
/// shared cores the load generator, not the server, became the bottleneck. Here one receive call
/// takes every frame the server has written, and each is scanned in place.
/// </remarks>
internal sealed class WsClient : IAsyncDisposable
{
    // Linux: IPPROTO_IP / IP_BIND_ADDRESS_NO_PORT. Picks the source port at connect time by the
    // whole 4-tuple, so many 127.0.0.x addresses each get the full ephemeral range.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;
    private static readonly byte[] SignalRHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");

    private readonly Socket _socket;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private byte[] _fragments = [];
    private int _fragmentLength;

    private WsClient(int index, Socket socket, byte[] buffer, int filled)
    {
        Index = index;
        _socket = socket;
        _buffer = buffer;
        _end = filled;
    }

    public int Index { get; }

    public static async Task<WsClient> ConnectAsync(
        int index, IPAddress source, IPEndPoint server, string pathAndQuery, bool signalR, int bufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, cancellationToken);
            var buffer = new byte[Math.Max(bufferSize, 1024)];
            var filled = await UpgradeAsync(socket, buffer, server, pathAndQuery, cancellationToken);
            var client = new WsClient(index, socket, buffer, filled);
            if (signalR)
            {
                await client.SignalRHandshakeAsync(cancellationToken);
            }

            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until the server closes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(IDeliverySink sink, CancellationToken cancellationToken)
    {
        var reason = "cancelled";
        try
        {
            reason = await ReadAsync(sink, cancellationToken) ?? "handshake answer after the handshake";
        }
        catch (OperationCanceledException)
        {
            reason = "cancelled";
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            reason = $"aborted: {ex.Message}";
        }
        finally
        {
            sink.OnClosed(Index, reason);
        }
    }

    /// <summary>
    /// Sends one text message. Call it only while no receive loop runs (before <see cref="RunAsync"/>): that loop answers
    /// pings on the same socket, and two sends at once could interleave.
    /// </summary>
    public async Task SendTextAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        => await _socket.SendAsync(WsFrame.Masked(WsFrame.OpText, message.Span), SocketFlags.None, cancellationToken);

    /// <summary>Aborts the socket (no close handshake): what a client whose network went away looks like to the server.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Frames until the socket closes (returns the reason) or, without a sink (the SignalR
    /// handshake), until the first complete message, which is checked (returns null).
    /// </summary>
    private async Task<string?> ReadAsync(IDeliverySink? sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            while (TryTakeFrame(out var fin, out var opcode, out var payloadStart, out var payloadLength))
            {
                var payload = _buffer.AsMemory(payloadStart, payloadLength);
                switch (opcode)
                {
                    case WsFrame.OpText or WsFrame.OpBinary or WsFrame.OpContinuation:
                        if (fin && _fragmentLength == 0)
                        {
                            if (OnMessage(payload.Span, sink))
                            {
                                return null;
                            }
                        }
                        else
                        {
                            AppendFragment(payload.Span);
                            if (fin)
                            {
                                var done = OnMessage(_fragments.AsSpan(0, _fragmentLength), sink);
                                _fragmentLength = 0;
                                if (done)
                                {
                                    return null;
                                }
                            }
                        }

                        break;
                    case WsFrame.OpPing:
                        await _socket.SendAsync(WsFrame.Masked(WsFrame.OpPong, payload.Span), SocketFlags.None, cancellationToken);
                        break;
                    case WsFrame.OpClose:
                        var status = payloadLength >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload.Span) : 1005;
                        return $"closed {status} {Encoding.UTF8.GetString(payload.Span[Math.Min(2, payloadLength)..])}";
                    default:
                        break; // Pong: nothing to do.
                }
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                // A frame straddles the end: move it to the front, or grow when it alone fills the buffer.
                if (_start == 0)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                else
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }
            }

            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return "aborted: end of stream without a close frame";
            }

            _end += read;
        }
    }

    private bool OnMessage(ReadOnlySpan<byte> message, IDeliverySink? sink)
    {
        if (sink is not null)
        {
            sink.OnMessage(Index, message);
            return false;
        }

        // SignalR handshake answer: "{}" then the record separator; an error names itself.
        var separator = message.IndexOf((byte)0x1e);
        if (separator < 0 || !message[..separator].SequenceEqual("{}"u8))
        {
            throw new InvalidOperationException($"SignalR handshake refused: {Encoding.UTF8.GetString(message)}");
        }

        return true;
    }

    /// <summary>Takes the frame at <see cref="_start"/> when it is complete in the buffer.</summary>
    private bool TryTakeFrame(out bool fin, out byte opcode, out int payloadStart, out int payloadLength)
    {
        payloadStart = 0;
        if (!WsFrame.TryParse(_buffer.AsSpan(_start, _end - _start), out fin, out opcode, out var header, out payloadLength))
        {
            return false;
        }

        payloadStart = _start + header;
        _start = payloadStart + payloadLength;
        return true;
    }

    private void AppendFragment(ReadOnlySpan<byte> payload)
    {
        if (_fragmentLength + payload.Length > _fragments.Length)
        {
            Array.Resize(ref _fragments, Math.Max(_fragments.Length * 2, _fragmentLength + payload.Length));
        }

        payload.CopyTo(_fragments.AsSpan(_fragmentLength));
        _fragmentLength += payload.Length;
    }

    private async Task SignalRHandshakeAsync(CancellationToken cancellationToken)
    {
        await _socket.SendAsync(WsFrame.Masked(WsFrame.OpText, SignalRHandshake), SocketFlags.None, cancellationToken);
        var ended = await ReadAsync(sink: null, cancellationToken);
        if (ended is not null)
        {
            throw new InvalidOperationException($"SignalR handshake: {ended}");
        }
    }

    /// <summary>Sends the upgrade request; returns how many bytes after the response headers are already in <paramref name="buffer"/>, moved to its front.</summary>
    private static async Task<int> UpgradeAsync(Socket socket, byte[] buffer, IPEndPoint server, string pathAndQuery, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken);

        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                throw new InvalidOperationException("upgrade response headers too long");
            }

            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("server closed during the upgrade");
            }

            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                continue;
            }

            var head = Encoding.ASCII.GetString(buffer, 0, end);
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"upgrade refused: {head.Split("\r\n")[0]}");
            }

            var extra = filled - end - 4;
            buffer.AsSpan(end + 4, extra).CopyTo(buffer);
            return extra;
        }
    }
}
