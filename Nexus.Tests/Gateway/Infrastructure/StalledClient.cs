using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>
/// A client that completes the WebSocket handshake by hand and then never reads again, with a tiny receive
/// buffer: the server's writes to it soon stop completing, as with a real stalled client.
/// </summary>
public sealed class StalledClient : IDisposable
{
    private readonly Socket _socket;

    private StalledClient(Socket socket) => _socket = socket;

    public static async Task<StalledClient> ConnectAsync(Uri httpAddress, string user)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await socket.ConnectAsync(httpAddress.Host, httpAddress.Port, cts.Token);
        var request = $"GET /ws?user={user} HTTP/1.1\r\nHost: {httpAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cts.Token);

        // Read the 101 response byte by byte so that nothing after it is consumed.
        var response = new StringBuilder();
        var one = new byte[1];
        while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
            Assert.True(read == 1, "connection closed during the handshake");
            response.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", response.ToString(), StringComparison.Ordinal);
        return new StalledClient(socket);
    }

    /// <summary>
    /// Starts reading again, as a client that was only slow: takes every message the server still sends and returns
    /// the status of its close frame (null when the server aborted instead).
    /// </summary>
    public async Task<WebSocketCloseStatus?> ReadUntilCloseAsync()
    {
        using var socket = WebSocket.CreateFromStream(
            new NetworkStream(_socket, ownsSocket: false), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();
}
