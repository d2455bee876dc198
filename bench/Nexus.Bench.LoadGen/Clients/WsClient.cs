using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>
/// One benchmark client: a raw socket bound to a chosen 127.0.0.x source address (so 10,000
/// connections do not run out of ports), an HTTP/1.1 upgrade written by hand, then
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>. One receive loop with a reused buffer.
/// </summary>
internal sealed class WsClient : IAsyncDisposable
{
    // Linux: IPPROTO_IP / IP_BIND_ADDRESS_NO_PORT. Picks the source port at connect time by the
    // whole 4-tuple, so many 127.0.0.x addresses each get the full ephemeral range.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;
    private static readonly byte[] SignalRHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");

    private readonly WebSocket _socket;
    private byte[] _buffer;

    private WsClient(int index, WebSocket socket, int bufferSize)
    {
        Index = index;
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    public int Index { get; }

    public static async Task<WsClient> ConnectAsync(
        int index, IPAddress source, IPEndPoint server, string pathAndQuery, bool signalR, int bufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
            stream = await UpgradeAsync(stream, server, pathAndQuery, cancellationToken);
            var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
            {
                IsServer = false,
                KeepAliveInterval = Timeout.InfiniteTimeSpan,
            });
            var client = new WsClient(index, webSocket, bufferSize);
            if (signalR)
            {
                await client.SignalRHandshakeAsync(cancellationToken);
            }

            return client;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>Reads until the server closes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(IDeliverySink sink, CancellationToken cancellationToken)
    {
        var reason = "cancelled";
        try
        {
            var filled = 0;
            while (true)
            {
                if (filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var result = await _socket.ReceiveAsync(_buffer.AsMemory(filled), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    reason = $"closed {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    return;
                }

                filled += result.Count;
                if (result.EndOfMessage)
                {
                    NotificationScanner.Scan(_buffer.AsSpan(0, filled), Index, sink);
                    filled = 0;
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = "cancelled";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or SocketException)
        {
            reason = $"aborted: {ex.Message}";
        }
        finally
        {
            sink.OnClosed(Index, reason);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<Stream> UpgradeAsync(Stream stream, IPEndPoint server, string pathAndQuery, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

        var buffer = new byte[1024];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                throw new InvalidOperationException("upgrade response headers too long");
            }

            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
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

            var extra = buffer.AsSpan(end + 4, filled - end - 4).ToArray();
            return extra.Length == 0 ? stream : new PrefixedStream(extra, stream);
        }
    }

    /// <summary>SignalR JSON protocol handshake; the answer is <c>{}</c> followed by the record separator.</summary>
    private async Task SignalRHandshakeAsync(CancellationToken cancellationToken)
    {
        await _socket.SendAsync(SignalRHandshake, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        var filled = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(filled), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"SignalR closed during the handshake: {_socket.CloseStatusDescription}");
            }

            filled += result.Count;
            var separator = _buffer.AsSpan(0, filled).IndexOf((byte)0x1e);
            if (separator >= 0)
            {
                var answer = Encoding.UTF8.GetString(_buffer, 0, separator);
                if (answer != "{}")
                {
                    throw new InvalidOperationException($"SignalR handshake refused: {answer}");
                }

                // Anything after the separator (an early ping) carries no notification.
                return;
            }
        }
    }
}
