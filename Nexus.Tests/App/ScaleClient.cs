using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Nexus.Tests.App;

/// <summary>
/// A WebSocket client of the whole-app scale tests: knows which gateway replica accepted it (the
/// <c>X-Nexus-Gateway</c> header of the 101 response) and reads every message into a queue, so a test can look for
/// a message without losing the ones before it.
/// </summary>
internal sealed class ScaleClient : IAsyncDisposable
{
    public const string ReplicaHeader = "X-Nexus-Gateway";

    private readonly ClientWebSocket _socket;
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly Task _receiveLoop;
    private int _nextId;

    private ScaleClient(ClientWebSocket socket, string user, string replica)
    {
        _socket = socket;
        User = user;
        Replica = replica;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public string User { get; }

    /// <summary>The gateway replica serving this client.</summary>
    public string Replica { get; }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Completes when the server closed the socket (or it broke).</summary>
    public Task Closed => _receiveLoop;

    public static async Task<ScaleClient> ConnectAsync(Uri proxy, string user, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(proxy) { Scheme = "ws", Path = "/ws", Query = $"user={Uri.EscapeDataString(user)}" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var replica = socket.HttpResponseHeaders?
            .FirstOrDefault(h => string.Equals(h.Key, ReplicaHeader, StringComparison.OrdinalIgnoreCase)).Value?
            .SingleOrDefault();
        if (replica is null)
        {
            socket.Dispose();
            throw new InvalidOperationException($"The 101 response has no {ReplicaHeader} header.");
        }

        return new ScaleClient(socket, user, replica);
    }

    /// <summary>The next message that matches, skipping (and dropping) the others.</summary>
    public async Task<JsonDocument> NextAsync(Func<JsonElement, bool> match, CancellationToken cancellationToken)
    {
        await foreach (var text in _messages.Reader.ReadAllAsync(cancellationToken))
        {
            var document = JsonDocument.Parse(text);
            if (match(document.RootElement))
            {
                return document;
            }

            document.Dispose();
        }

        throw new InvalidOperationException($"The socket of {User} on {Replica} closed ({CloseStatus}) before the message came.");
    }

    /// <summary>Every message up to and including the first that matches <paramref name="last"/>.</summary>
    public async Task<List<JsonElement>> UntilAsync(Func<JsonElement, bool> last, CancellationToken cancellationToken)
    {
        var seen = new List<JsonElement>();
        await foreach (var text in _messages.Reader.ReadAllAsync(cancellationToken))
        {
            using var document = JsonDocument.Parse(text);
            seen.Add(document.RootElement.Clone());
            if (last(document.RootElement))
            {
                return seen;
            }
        }

        throw new InvalidOperationException($"The socket of {User} on {Replica} closed ({CloseStatus}) before the last message came.");
    }

    /// <summary>Sends one JSON-RPC request and returns its response.</summary>
    public async Task<JsonDocument> CallAsync(string method, string paramsJson, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{paramsJson}}}""";
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        return await NextAsync(m => m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == id, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server went away first; the socket is disposed below either way.
            }
        }

        _socket.Abort();
        _socket.Dispose();
        await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        // Complete the handshake, as a well-behaved client does, so the server need not wait it out.
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                _messages.Writer.TryWrite(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted or disposed: the reader sees the channel complete and reports the close status.
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }
}
