using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Nexus.Client;

/// <summary>
/// One socket of a <see cref="NexusClient"/>: a receive loop that hands notifications to the client and replies to
/// their callers, and one send lock so that messages never interleave. A new connection is made for every reconnect.
/// </summary>
internal sealed class ClientConnection : IAsyncDisposable
{
    // Far above anything the gateway sends (its own limit is Gateway:MaxQueuedBytes, 1 MiB by default).
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    private static readonly JsonElement s_null = JsonDocument.Parse("null").RootElement.Clone();

    private readonly ClientWebSocket _socket;
    private readonly NexusClient _client;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private Task<Exception>? _receiving;

    public ClientConnection(ClientWebSocket socket, NexusClient client, ILogger logger)
    {
        _socket = socket;
        _client = client;
        _logger = logger;
    }

    /// <summary>Completes, never faulted, when the connection has ended; its result says why.</summary>
    public Task<Exception> Completion => _receiving ?? throw new InvalidOperationException("Not receiving yet.");

    public void StartReceiving(CancellationToken stopping) => _receiving = Task.Run(() => ReceiveLoopAsync(stopping), CancellationToken.None);

    /// <summary>Registers a call before it is sent, so that even an immediate reply finds it.</summary>
    public Task<JsonElement> Expect(long id, string method)
    {
        var pending = new Pending(method);
        _pending[id] = pending;
        if (_receiving is { IsCompleted: true } ended)
        {
            Fail(ended.Result);
        }

        return pending.Reply.Task;
    }

    public void Forget(long id) => _pending.TryRemove(id, out _);

    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw new NexusConnectionException("The connection was lost before the call could be sent.", ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>A normal close (1000), waiting a bounded time for the gateway's answer, then an abort.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client stopped", cts.Token);
            }

            if (_receiving is { } receiving)
            {
                await receiving.WaitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing is best effort; the abort below ends it either way.
        }
        finally
        {
            _socket.Abort();
        }
    }

    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        if (_receiving is { } receiving)
        {
            await receiving;
        }

        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task<Exception> ReceiveLoopAsync(CancellationToken stopping)
    {
        Exception reason;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(8 * 1024), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    reason = new NexusConnectionException($"The gateway closed the connection: {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}".TrimEnd());
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                        await _socket.CloseOutputAsync(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, cts.Token);
                    }

                    break;
                }

                buffer.Advance(result.Count);
                if (buffer.WrittenCount > MaxMessageBytes)
                {
                    reason = new NexusConnectionException($"The gateway sent a message larger than {MaxMessageBytes} bytes.");
                    _socket.Abort();
                    break;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    await HandleMessageAsync(buffer.WrittenMemory, stopping);
                }

                buffer.ResetWrittenCount();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reason = new NexusConnectionException("The client was stopped.");
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            reason = new NexusConnectionException("The connection was lost: " + ex.Message, ex);
        }

        Fail(reason);
        return reason;
    }

    private async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> message, CancellationToken stopping)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException ex)
        {
            NexusClient.Log.InvalidMessage(_logger, ex.Message);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.EnumerateArray())
                {
                    await HandleItemAsync(item, stopping);
                }
            }
            else
            {
                await HandleItemAsync(root, stopping);
            }
        }
    }

    private async ValueTask HandleItemAsync(JsonElement item, CancellationToken stopping)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            NexusClient.Log.InvalidMessage(_logger, "not a JSON object");
            return;
        }

        var hasId = item.TryGetProperty("id"u8, out var id);
        if (!hasId && item.TryGetProperty("method"u8, out var method) && method.ValueEquals("notify"u8))
        {
            if (TryReadNotification(item, out var notification))
            {
                await _client.OnNotificationAsync(notification, stopping);
            }
            else
            {
                NexusClient.Log.InvalidMessage(_logger, "a notify without channel, event or timestamp");
            }

            return;
        }

        if (hasId && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var callId) && _pending.TryRemove(callId, out var pending))
        {
            if (item.TryGetProperty("error"u8, out var error))
            {
                pending.Reply.TrySetException(ToException(pending.Method, error));
            }
            else
            {
                pending.Reply.TrySetResult(item.TryGetProperty("result"u8, out var result) ? result.Clone() : s_null);
            }

            return;
        }

        if (item.TryGetProperty("error"u8, out var orphan))
        {
            // id null (-32700, -32600, a batch too large) or a reply that came after its call gave up.
            NexusClient.Log.OrphanError(_logger, orphan.ToString());
        }
    }

    private static NexusRpcException ToException(string method, JsonElement error)
    {
        var code = error.TryGetProperty("code"u8, out var c) && c.TryGetInt32(out var value) ? value : NexusErrorCodes.InternalError;
        var message = error.TryGetProperty("message"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "error";
        JsonElement? data = error.TryGetProperty("data"u8, out var d) ? d.Clone() : null;
        return new NexusRpcException(method, code, message, data);
    }

    private static bool TryReadNotification(JsonElement item, out Notification notification)
    {
        notification = null!;
        if (!item.TryGetProperty("params"u8, out var p) || p.ValueKind != JsonValueKind.Object
            || !p.TryGetProperty("channel"u8, out var channel) || channel.ValueKind != JsonValueKind.String
            || !p.TryGetProperty("event"u8, out var eventName) || eventName.ValueKind != JsonValueKind.String
            || !p.TryGetProperty("timestamp"u8, out var timestamp) || timestamp.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        var ms = timestamp.TryGetInt64(out var whole) ? whole : (long)timestamp.GetDouble();
        var data = p.TryGetProperty("data"u8, out var d) ? d.Clone() : s_null;
        var id = p.TryGetProperty("id"u8, out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        notification = new Notification(channel.GetString()!, eventName.GetString()!, data, DateTimeOffset.FromUnixTimeMilliseconds(ms), id);
        return true;
    }

    private void Fail(Exception reason)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Reply.TrySetException(new NexusConnectionException(
                    $"The connection was lost before the answer to {pending.Method} came; it may or may not have run.", reason));
            }
        }
    }

    private sealed class Pending(string method)
    {
        public string Method { get; } = method;

        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
