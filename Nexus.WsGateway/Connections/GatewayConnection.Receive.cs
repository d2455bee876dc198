using System.Buffers;
using System.Net.WebSockets;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Connections;

internal sealed partial class GatewayConnection
{
    private const int InitialReceiveBufferBytes = 4096;
    private const int DrainBufferBytes = 1024;

    /// <summary>
    /// Reads one message at a time. While idle it waits with a zero-byte read, so an idle connection holds no
    /// receive buffer; a buffer is rented from the pool only while a message is arriving.
    /// Ends when the client closes, or after a close the server started was answered (or the socket aborted).
    /// </summary>
    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var header = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
            FirstMessageArriving();
            if (header.MessageType == WebSocketMessageType.Close)
            {
                EchoClose();
                return;
            }

            if (header.MessageType == WebSocketMessageType.Binary)
            {
                Log.BinaryMessage(_services.Logger, Client.ConnectionId);
                StartClose(WebSocketCloseStatus.InvalidMessageType, "binary messages are not supported", _services.Options.CloseTimeout);
                await DrainUntilClosedAsync();
                return;
            }

            if (header.EndOfMessage)
            {
                // An empty text message: the dispatcher answers it (a parse error).
                if (!await HandleMessageAsync(ReadOnlyMemory<byte>.Empty, cancellationToken))
                {
                    await DrainUntilClosedAsync();
                    return;
                }

                continue;
            }

            var (buffer, length) = await ReadMessageAsync();
            if (buffer is null)
            {
                await DrainUntilClosedAsync();
                return;
            }

            bool keepReading;
            try
            {
                keepReading = await HandleMessageAsync(buffer.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (!keepReading)
            {
                await DrainUntilClosedAsync();
                return;
            }
        }
    }

    /// <summary>
    /// Puts the fragments of one text message together in a pooled buffer (returned by the caller).
    /// Null when the socket is closing: the client closed, or the message was too large and 1009 was started.
    /// </summary>
    private async ValueTask<(byte[]? Buffer, int Length)> ReadMessageAsync()
    {
        var max = _services.Options.MaxMessageBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialReceiveBufferBytes, max + 1));
        var length = 0;
        var keep = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    // Never more than max + 1 bytes: one byte over the limit is enough to know.
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    EchoClose();
                    return (null, 0);
                }

                length += result.Count;
                if (length > max)
                {
                    Log.MessageTooLarge(_services.Logger, Client.ConnectionId, max);
                    StartClose(WebSocketCloseStatus.MessageTooBig, $"message larger than {max} bytes", _services.Options.CloseTimeout);
                    return (null, 0);
                }

                if (result.EndOfMessage)
                {
                    keep = true;
                    return (buffer, length);
                }
            }
        }
        finally
        {
            if (!keep)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Dispatch (the engine asks <see cref="IRequestBudget.Admit"/>), enqueue the reply. False when the connection is being closed.</summary>
    private async ValueTask<bool> HandleMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte>? reply;
        try
        {
            reply = await _services.Dispatcher.DispatchAsync(message, Client, this, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.DispatchFailed(_services.Logger, Client.ConnectionId, ex);
            reply = JsonRpcReplies.Reject(message, JsonRpcError.InternalError);
            if (reply is { } rejected && rejected.Length > _services.Options.MaxQueuedBytes)
            {
                // No message to a client is larger than the queue limit (docs/protocol.md section 3).
                reply = JsonRpcReplies.Error(default, JsonRpcError.ResponseTooLarge);
            }
        }

        if (_rateLimitExceeded)
        {
            StartClose(WebSocketCloseStatus.PolicyViolation, "rate limit exceeded", _services.Options.CloseTimeout);
            return false;
        }

        if (reply is { IsEmpty: false } bytes)
        {
            Send(bytes);
        }

        // After the first message (a resume in it already replayed), what was held goes out.
        FirstMessageHandled();

        return !_writer.IsClosing;
    }

    /// <summary>The rate limit of docs/protocol.md section 3, asked by the engine once per message with its number of requests.</summary>
    int IRequestBudget.Admit(int requests)
    {
        var decision = _rateLimiter.Acquire(requests, out var allowed);
        switch (decision)
        {
            case RateDecision.Rejected:
                _services.Metrics.RequestsRateLimited(requests - allowed);
                Log.RateLimited(_services.Logger, Client.ConnectionId, Client.UserId, requests - allowed, requests);
                return allowed;
            case RateDecision.Disconnect:
                // Nothing more runs; the reply is dropped and the socket closed with 1008 once the engine returns.
                _services.Metrics.RequestsRateLimited(requests);
                Log.RateLimitDisconnect(_services.Logger, Client.ConnectionId, Client.UserId);
                _rateLimitExceeded = true;
                return 0;
            default:
                return allowed;
        }
    }

    /// <summary>After the server started a close: discard what still arrives until the client's close frame.</summary>
    private async Task DrainUntilClosedAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferBytes);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The client started the close handshake: answer with its own status (RFC 6455 5.5.1).</summary>
    private void EchoClose()
    {
        var status = _socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
        StartClose(status, _socket.CloseStatusDescription ?? "", _services.Options.CloseTimeout);
    }
}
