using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>A real ClientWebSocket that reads continuously, keeps every JSON message and answers the server's close.</summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly List<JsonElement> _messages = [];
    private readonly Lock _gate = new();
    private readonly Task _receiving;
    private static long s_nextId;

    private TestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    /// <summary>Completes when the connection has ended (closed or aborted).</summary>
    public Task Closed => _receiving;

    public IReadOnlyList<JsonElement> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The <c>params</c> of every <c>notify</c> received.</summary>
    public IReadOnlyList<JsonElement> Notifications
        => [.. Messages.Where(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("method", out var method) && method.GetString() == "notify").Select(m => m.GetProperty("params"))];

    public static async Task<TestClient> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await socket.ConnectAsync(uri, cts.Token);
        return new TestClient(socket);
    }

    /// <summary>Takes over a socket the caller connected (e.g. with an Authorization header).</summary>
    public static TestClient Wrap(ClientWebSocket socket) => new(socket);

    public bool HasEvent(string eventName) => Notifications.Any(n => n.GetProperty("event").GetString() == eventName);

    public async Task<JsonElement> WaitForEventAsync(string eventName, TimeSpan? timeout = null)
    {
        await Wait.UntilAsync(() => HasEvent(eventName) || _receiving.IsCompleted, $"event {eventName}", timeout);
        Assert.True(HasEvent(eventName), $"connection ended before event {eventName} arrived (close {CloseStatus})");
        return Notifications.First(n => n.GetProperty("event").GetString() == eventName);
    }

    public async Task<JsonElement> WaitForMessageAsync(Func<JsonElement, bool> predicate, string what)
    {
        await Wait.UntilAsync(() => Messages.Any(predicate) || _receiving.IsCompleted, what);
        return Messages.First(predicate);
    }

    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        await _receiving.WaitAsync(timeout ?? GatewayHost.Timeout);
        return CloseStatus;
    }

    /// <summary>Sends one request with <paramref name="parametersJson"/> as its params and returns its response.</summary>
    public async Task<JsonElement> CallAsync(string method, string parametersJson)
    {
        var id = Interlocked.Increment(ref s_nextId);
        await SendTextAsync($$"""{"jsonrpc":"2.0","id":"t{{id}}","method":"{{method}}","params":{{parametersJson}}}""");
        return await WaitForMessageAsync(
            m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var reply) && reply.ValueKind == JsonValueKind.String && reply.GetString() == $"t{id}",
            $"the reply to {method}");
    }

    /// <summary>Sends a batch and returns the batch response (the first array received after it).</summary>
    public async Task<IReadOnlyList<JsonElement>> BatchAsync(string batchJson)
    {
        var before = Messages.Count(m => m.ValueKind == JsonValueKind.Array);
        await SendTextAsync(batchJson);
        await Wait.UntilAsync(() => Messages.Count(m => m.ValueKind == JsonValueKind.Array) > before || _receiving.IsCompleted, "the batch response");
        return [.. Messages.Where(m => m.ValueKind == JsonValueKind.Array).Skip(before).First().EnumerateArray()];
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    /// <summary>One frame of a text message: the message ends with the frame that has <paramref name="endOfMessage"/>.</summary>
    public async Task SendTextFrameAsync(string text, bool endOfMessage)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, cts.Token);
    }

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await _socket.SendAsync(bytes, type, endOfMessage: true, cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }

        try
        {
            await _receiving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _socket.Abort();
        }

        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    CloseDescription = result.CloseStatusDescription;
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    var element = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                    message.SetLength(0);
                    lock (_gate)
                    {
                        _messages.Add(element);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted: CloseStatus stays null.
        }
    }
}
