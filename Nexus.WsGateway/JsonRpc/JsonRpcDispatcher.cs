using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The JSON-RPC 2.0 engine (jsonrpc.org/specification, docs/protocol.md 4.3): parses one WebSocket message,
/// runs its request or batch against the registered <see cref="IJsonRpcMethod"/>s and writes the reply.
/// </summary>
/// <remarks>
/// The work one message can cause is bounded (docs/protocol.md section 3, issue 11): a batch holds at most
/// <c>Gateway:MaxBatchSize</c> requests, every request asks the connection's <see cref="IRequestBudget"/>, and no reply
/// is larger than <c>Gateway:MaxQueuedBytes</c>: a larger one is replaced by -32603 <c>{ "reason": "response too large" }</c>.
/// </remarks>
internal sealed partial class JsonRpcDispatcher : IJsonRpcDispatcher
{
    // A bare null would convert to an empty ReadOnlyMemory, not to "no reply".
    private static ReadOnlyMemory<byte>? NoReply => null;

    private readonly FrozenDictionary<string, IJsonRpcMethod> _methods;
    private readonly int _maxBatchSize;
    private readonly long _maxReplyBytes;
    private readonly JsonRpcError _batchTooLarge;
    private readonly ILogger<JsonRpcDispatcher> _logger;

    public JsonRpcDispatcher(IEnumerable<IJsonRpcMethod> methods, IOptions<GatewayOptions> options, ILogger<JsonRpcDispatcher> logger)
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
        _maxBatchSize = options.Value.MaxBatchSize;
        _maxReplyBytes = options.Value.MaxQueuedBytes;
        _batchTooLarge = JsonRpcError.BatchTooLarge(_maxBatchSize);
        _logger = logger;
    }

    public async ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, IRequestBudget? budget, CancellationToken cancellationToken)
    {
        if (!JsonRpcReplies.TryParse(message, out var document, out var parseError))
        {
            // Runs nothing, but costs the budget what any message costs: flooding with garbage is not free.
            budget?.Admit(1);
            LogParseError(client.ConnectionId, parseError);
            return JsonRpcReplies.Error(default, JsonRpcError.ParseError);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return await HandleSingleAsync(root, client, budget, cancellationToken);
            }

            var count = root.GetArrayLength();
            if (count == 0)
            {
                budget?.Admit(1);
                LogInvalidRequest(client.ConnectionId, "empty batch");
                return JsonRpcReplies.Error(default, JsonRpcError.InvalidRequest);
            }

            if (count > _maxBatchSize)
            {
                // Refused whole, before anything runs: one error, not one per element (no amplification).
                budget?.Admit(1);
                LogBatchTooLarge(client.ConnectionId, count, _maxBatchSize);
                return JsonRpcReplies.Error(default, _batchTooLarge);
            }

            return await HandleBatchAsync(root, count, client, budget, cancellationToken);
        }
    }

    private async ValueTask<ReadOnlyMemory<byte>?> HandleSingleAsync(JsonElement root, ClientContext client, IRequestBudget? budget, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        await using var writer = new Utf8JsonWriter(buffer);
        var replied = budget is null || budget.Admit(1) == 1
            ? await HandleAsync(root, writer, client, cancellationToken)
            : JsonRpcReplies.RejectOne(writer, root, JsonRpcError.RateLimited);
        if (!replied)
        {
            return NoReply;
        }

        writer.Flush();
        if (buffer.WrittenCount <= _maxReplyBytes)
        {
            return buffer.WrittenMemory;
        }

        LogResponseTooLarge(client.ConnectionId, buffer.WrittenCount, _maxReplyBytes);
        // Only a request object has a response, so the root is one; its id may itself be too long to echo.
        var reply = JsonRpcReplies.Error(JsonRpcRequest.TryRead(root, out var request) ? request.RawId : default, JsonRpcError.ResponseTooLarge);
        return reply.Length <= _maxReplyBytes ? reply : JsonRpcReplies.Error(default, JsonRpcError.ResponseTooLarge);
    }

    /// <summary>
    /// One request at a time, in order: a batch that subscribes then unsubscribes must see its own filter changes,
    /// and the replies keep the order of the requests. The first requests run as far as the budget goes; the rest
    /// are answered -32004 with their ids (notifications among them get nothing and do not run).
    /// </summary>
    /// <remarks>
    /// Once the reply passes <c>Gateway:MaxQueuedBytes</c> nothing more is written to it (a 64 KB batch once built a
    /// 100 MB reply before anything checked), and it is replaced by one -32603 with id null. The remaining requests still
    /// run: the client cannot tell from that error where a batch stopped, so the outcome is the one of a reply that
    /// fitted, and the batch size and the budget bound the work.
    /// </remarks>
    private async ValueTask<ReadOnlyMemory<byte>?> HandleBatchAsync(JsonElement root, int count, ClientContext client, IRequestBudget? budget, CancellationToken cancellationToken)
    {
        var allowed = budget?.Admit(count) ?? count;
        var buffer = new ArrayBufferWriter<byte>(256);
        await using var writer = new Utf8JsonWriter(buffer);
        var replies = 0;
        var index = 0;
        var tooLarge = false;
        writer.WriteStartArray();
        foreach (var element in root.EnumerateArray())
        {
            var target = tooLarge ? null : writer;
            var replied = index++ < allowed
                ? await HandleAsync(element, target, client, cancellationToken)
                : JsonRpcReplies.RejectOne(target, element, JsonRpcError.RateLimited);
            if (replied)
            {
                replies++;
            }

            // + 1 for the closing bracket.
            if (!tooLarge && writer.BytesCommitted + writer.BytesPending + 1 > _maxReplyBytes)
            {
                tooLarge = true;
                LogResponseTooLarge(client.ConnectionId, writer.BytesCommitted + writer.BytesPending + 1, _maxReplyBytes);
            }
        }

        if (replies == 0)
        {
            return NoReply;
        }

        if (tooLarge)
        {
            return JsonRpcReplies.Error(default, JsonRpcError.ResponseTooLarge);
        }

        writer.WriteEndArray();
        writer.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>Runs one element; <paramref name="writer"/> null runs it without writing its response.</summary>
    /// <returns>True when the element has a response.</returns>
    private async ValueTask<bool> HandleAsync(JsonElement element, Utf8JsonWriter? writer, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcRequest.TryRead(element, out var request))
        {
            LogInvalidRequest(client.ConnectionId, "not a JSON-RPC 2.0 request object");
            if (writer is not null)
            {
                JsonRpcResponseWriter.WriteError(writer, default, JsonRpcError.InvalidRequest);
            }

            return true;
        }

        if (!_methods.TryGetValue(request.Method, out var method))
        {
            LogMethodNotFound(client.ConnectionId, request.Method);
            if (request.IsNotification)
            {
                return false;
            }

            if (writer is not null)
            {
                JsonRpcResponseWriter.WriteError(writer, request.RawId, JsonRpcError.MethodNotFound);
            }

            return true;
        }

        using var activity = JsonRpcActivity.Start(request.Method, client, request.TraceParent);
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

        if (result.Error is { } failure)
        {
            JsonRpcActivity.SetError(activity, failure);
        }

        if (request.IsNotification)
        {
            return false;
        }

        if (writer is null)
        {
            return true;
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
