using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Nexus.WsGateway.Clients;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The JSON-RPC 2.0 engine (jsonrpc.org/specification, PROTOCOL.md 4.3): parses one WebSocket message,
/// runs its request or batch against the registered <see cref="IJsonRpcMethod"/>s and writes the reply.
/// </summary>
internal sealed partial class JsonRpcDispatcher : IJsonRpcDispatcher
{
    // A bare null would convert to an empty ReadOnlyMemory, not to "no reply".
    private static ReadOnlyMemory<byte>? NoReply => null;

    private readonly FrozenDictionary<string, IJsonRpcMethod> _methods;
    private readonly ILogger<JsonRpcDispatcher> _logger;

    public JsonRpcDispatcher(IEnumerable<IJsonRpcMethod> methods, ILogger<JsonRpcDispatcher> logger)
    {
        var byName = new Dictionary<string, IJsonRpcMethod>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            if (!byName.TryAdd(method.Name, method))
            {
                throw new InvalidOperationException($"Two JSON-RPC methods are registered as '{method.Name}'.");
            }
        }

        _methods = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _logger = logger;
    }

    public async ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcReplies.TryParse(message, out var document, out var parseError))
        {
            LogParseError(client.ConnectionId, parseError);
            return JsonRpcReplies.Error(default, JsonRpcError.ParseError);
        }

        using (document)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            await using var writer = new Utf8JsonWriter(buffer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return await HandleAsync(root, writer, client, cancellationToken) ? Flush(writer, buffer) : NoReply;
            }

            if (root.GetArrayLength() == 0)
            {
                LogInvalidRequest(client.ConnectionId, "empty batch");
                return JsonRpcReplies.Error(default, JsonRpcError.InvalidRequest);
            }

            // One at a time, in order: a batch that subscribes then unsubscribes must see its own filter changes,
            // and the replies keep the order of the requests.
            var replies = 0;
            writer.WriteStartArray();
            foreach (var element in root.EnumerateArray())
            {
                if (await HandleAsync(element, writer, client, cancellationToken))
                {
                    replies++;
                }
            }

            writer.WriteEndArray();
            return replies == 0 ? NoReply : Flush(writer, buffer);
        }
    }

    private static ReadOnlyMemory<byte> Flush(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        return buffer.WrittenMemory;
    }

    /// <returns>True when a response object was written.</returns>
    private async ValueTask<bool> HandleAsync(JsonElement element, Utf8JsonWriter writer, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcRequest.TryRead(element, out var request))
        {
            LogInvalidRequest(client.ConnectionId, "not a JSON-RPC 2.0 request object");
            JsonRpcResponseWriter.WriteError(writer, default, JsonRpcError.InvalidRequest);
            return true;
        }

        if (!_methods.TryGetValue(request.Method, out var method))
        {
            LogMethodNotFound(client.ConnectionId, request.Method);
            if (request.IsNotification)
            {
                return false;
            }

            JsonRpcResponseWriter.WriteError(writer, request.RawId, JsonRpcError.MethodNotFound);
            return true;
        }

        JsonRpcResult result;
        try
        {
            result = await method.InvokeAsync(request.Parameters, client, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection is going away: nobody is left to answer.
            throw;
        }
        catch (Exception ex)
        {
            LogMethodFailed(ex, request.Method, client.ConnectionId);
            result = JsonRpcResult.Failure(JsonRpcError.InternalError);
        }

        if (request.IsNotification)
        {
            return false;
        }

        if (result.Error is { } error)
        {
            JsonRpcResponseWriter.WriteError(writer, request.RawId, error);
        }
        else
        {
            JsonRpcResponseWriter.WriteResult(writer, request.RawId, result.Result.Span);
        }

        return true;
    }
}
