using System.Net.WebSockets;
using Nexus.Tests.Gateway.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>Real WebSocket handshakes with any header, returning the HTTP status (101 when a socket opened).</summary>
internal static class Upgrade
{
    public static async Task<int> StatusAsync(Uri uri, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            socket.Options.SetRequestHeader(name, value);
        }

        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        try
        {
            await socket.ConnectAsync(uri, cts.Token);
        }
        catch (WebSocketException)
        {
            // The status is what the test wants.
        }

        return (int)socket.HttpStatusCode;
    }

    public static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = "Bearer " + token };

    /// <summary>A connected <see cref="TestClient"/> authenticated by a token in the header.</summary>
    public static async Task<TestClient> ConnectWithHeaderAsync(Uri uri, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await socket.ConnectAsync(uri, cts.Token);
        return TestClient.Wrap(socket);
    }
}
