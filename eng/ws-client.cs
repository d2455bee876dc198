#!/usr/bin/env dotnet
// A tiny WebSocket client for the README tour: connects, optionally sends one JSON-RPC request, prints every
// message until Ctrl+C. Needs only the .NET SDK:
//   dotnet run eng/ws-client.cs                                   (ws://localhost:5080/ws?user=alice)
//   dotnet run eng/ws-client.cs -- ws://localhost:5080/ws?user=bob '{"jsonrpc":"2.0","id":1,"method":"agent.list","params":{}}'
using System.Net.WebSockets;
using System.Text;

var url = new Uri(args.Length > 0 ? args[0] : "ws://localhost:5080/ws?user=alice");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

using var socket = new ClientWebSocket();
try
{
    await socket.ConnectAsync(url, stop.Token);
}
catch (WebSocketException ex)
{
    Console.Error.WriteLine($"could not connect to {url}: {ex.Message}");
    return 1;
}

Console.WriteLine($"connected to {url}; waiting for messages (Ctrl+C to quit)");
if (args.Length > 1)
{
    await socket.SendAsync(Encoding.UTF8.GetBytes(args[1]), WebSocketMessageType.Text, endOfMessage: true, stop.Token);
    Console.WriteLine($"> {args[1]}");
}

var buffer = new byte[64 * 1024];
using var message = new MemoryStream();
try
{
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, stop.Token);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            Console.WriteLine($"closed by the server: {result.CloseStatus} {result.CloseStatusDescription}");
            return 0;
        }

        message.Write(buffer, 0, result.Count);
        if (result.EndOfMessage)
        {
            Console.WriteLine($"< {Encoding.UTF8.GetString(message.ToArray())}");
            message.SetLength(0);
        }
    }
}
catch (OperationCanceledException)
{
    // Cancelling a receive aborts a ClientWebSocket, so there is no close handshake left to do.
    Console.WriteLine("bye");
    return 0;
}
catch (WebSocketException ex)
{
    Console.Error.WriteLine($"connection lost: {ex.Message}");
    return 1;
}
