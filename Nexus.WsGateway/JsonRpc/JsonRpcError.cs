using System.Buffers;
using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The <c>error</c> member of a response. <see cref="Data"/> is already serialised, so writing the
/// response can never fail half-way through (a throwing serialiser would corrupt a batch).
/// </summary>
internal sealed class JsonRpcError
{
    public static readonly JsonRpcError ParseError = new(JsonRpcErrorCodes.ParseError, "Parse error");
    public static readonly JsonRpcError InvalidRequest = new(JsonRpcErrorCodes.InvalidRequest, "Invalid Request");
    public static readonly JsonRpcError MethodNotFound = new(JsonRpcErrorCodes.MethodNotFound, "Method not found");
    public static readonly JsonRpcError InternalError = new(JsonRpcErrorCodes.InternalError, "Internal error");
    public static readonly JsonRpcError RateLimited = new(JsonRpcErrorCodes.RateLimited, "Rate limited");
    public static readonly JsonRpcError Unavailable = new(JsonRpcErrorCodes.Unavailable, "Unavailable: a service behind the gateway did not answer in time");

    /// <summary>Replaces a reply larger than <c>Gateway:MaxQueuedBytes</c> (docs/protocol.md section 3).</summary>
    public static readonly JsonRpcError ResponseTooLarge = new(JsonRpcErrorCodes.InternalError, "Internal error", Serialize(w =>
    {
        w.WriteStartObject();
        w.WriteString("reason", "response too large");
        w.WriteEndObject();
    }));

    public JsonRpcError(int code, string message, ReadOnlyMemory<byte>? data = null)
    {
        Code = code;
        Message = message;
        Data = data;
    }

    public int Code { get; }

    public string Message { get; }

    /// <summary>The raw JSON of <c>error.data</c>, or null when the member is left out.</summary>
    public ReadOnlyMemory<byte>? Data { get; }

    /// <summary>-32602 with <c>data = { param, message }</c> (docs/protocol.md 4.3).</summary>
    public static JsonRpcError InvalidParams(string param, string message) =>
        new(JsonRpcErrorCodes.InvalidParams, "Invalid params", Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("param", param);
            w.WriteString("message", message);
            w.WriteEndObject();
        }));

    /// <summary>-32600 for a batch of more than <c>Gateway:MaxBatchSize</c> requests; <c>data</c> says why and the limit.</summary>
    public static JsonRpcError BatchTooLarge(int maxBatchSize) =>
        new(JsonRpcErrorCodes.InvalidRequest, "Invalid Request", Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("reason", "batch too large");
            w.WriteNumber("max", maxBatchSize);
            w.WriteEndObject();
        }));

    public static JsonRpcError Forbidden(string message) => new(JsonRpcErrorCodes.Forbidden, message);

    public static JsonRpcError NotFound(string message) => new(JsonRpcErrorCodes.NotFound, message);

    /// <summary>-32003 with the final state of the approval as <c>data = { requestId, status, by }</c>.</summary>
    public static JsonRpcError Conflict(string requestId, string status, string? by) =>
        new(JsonRpcErrorCodes.Conflict, "Conflict: the approval was already resolved or has expired", Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("requestId", requestId);
            w.WriteString("status", status);
            w.WriteString("by", by);
            w.WriteEndObject();
        }));

    /// <summary>
    /// -32004 with <c>data = { limit, max }</c> when a service behind the gateway refused for a limit
    /// (docs/protocol.md section 5.1: <c>sessions_per_user</c>); without a known limit, the plain rate-limit error.
    /// </summary>
    public static JsonRpcError LimitReached(string? limit, int? max) => limit is null
        ? RateLimited
        : new(JsonRpcErrorCodes.RateLimited, "Rate limited", Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("limit", limit);
            if (max is { } m)
            {
                w.WriteNumber("max", m);
            }

            w.WriteEndObject();
        }));

    internal static ReadOnlyMemory<byte> Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenMemory;
    }
}
