using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>
/// A TCP connection that speaks HTTP/1.1 by hand: request heads sent whole, in pieces or not at all, the response head
/// read byte by byte (nothing after it is consumed), then, after a 101, a client WebSocket on the same stream.
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    public const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private readonly NetworkStream _stream;

    private RawHttpConnection(Socket socket) => _stream = new NetworkStream(socket, ownsSocket: true);

    public static async Task<RawHttpConnection> OpenAsync(Uri address)
    {
        // No Nagle: a head sent in pieces leaves in as many segments.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await socket.ConnectAsync(address.Host, address.Port, cts.Token);
        return new RawHttpConnection(socket);
    }

    /// <summary>A WebSocket upgrade head to <c>/ws?user=</c>, with <paramref name="extraHeaders"/> (each ending in CRLF) before the blank line.</summary>
    public static string UpgradeHead(string user, string host = "gateway", string extraHeaders = "")
        => $"GET /ws?user={user} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";

    public Task<string> UpgradeAsync(string user) => SendHeadAsync(UpgradeHead(user));

    /// <summary>Sends a request head and reads the response head.</summary>
    public async Task<string> SendHeadAsync(string head)
    {
        await SendAsync(head);
        return await ReadResponseHeadAsync();
    }

    public async Task SendAsync(string text)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    /// <summary>Reads the response head byte by byte, so nothing after it is consumed.</summary>
    public async Task<string> ReadResponseHeadAsync()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var response = new StringBuilder();
        var one = new byte[1];
        while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.True(await _stream.ReadAsync(one, cts.Token) == 1, $"connection closed during the response head (so far: {response})");
            response.Append((char)one[0]);
        }

        return response.ToString();
    }

    /// <summary>
    /// Completes when the server has closed the connection (end of stream or reset) and returns true, or returns false
    /// when it is still open after <paramref name="timeout"/>. Fails if the server sends anything.
    /// </summary>
    public async Task<bool> WaitForServerCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            var read = await _stream.ReadAsync(buffer, cts.Token);
            Assert.True(read == 0, $"expected the connection to be closed, got {Encoding.ASCII.GetString(buffer, 0, read)}");
            return true;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return false;
        }
        catch (IOException)
        {
            // Reset by the server: closed too.
            return true;
        }
    }

    /// <summary>
    /// Reads one frame the server sent (servers never mask) and returns its first byte (FIN and opcode) and payload,
    /// or null when the server ended the connection (end of stream or reset) before a whole frame came.
    /// </summary>
    public async Task<(byte First, byte[] Payload)?> ReadFrameAsync()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        try
        {
            var head = new byte[2];
            if (!await ReadExactlyOrEndAsync(head, cts.Token))
            {
                return null;
            }

            long length = head[1] & 0x7F;
            if (length >= 126)
            {
                var extended = new byte[length == 126 ? 2 : 8];
                if (!await ReadExactlyOrEndAsync(extended, cts.Token))
                {
                    return null;
                }

                length = extended.Length == 2
                    ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(extended)
                    : (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(extended);
            }

            var payload = new byte[length];
            return await ReadExactlyOrEndAsync(payload, cts.Token) ? (head[0], payload) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    public WebSocket AsClientWebSocket()
        => WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

    public void Dispose() => _stream.Dispose();
}
