using System.Runtime.InteropServices;
using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// A request object that passed the checks of JSON-RPC 2.0 section 4. Views into the parsed document:
/// valid only while that document lives.
/// </summary>
internal readonly struct JsonRpcRequest
{
    private readonly JsonElement _id;

    private JsonRpcRequest(string method, JsonElement? parameters, JsonElement id, bool isNotification, string? traceParent)
    {
        Method = method;
        Parameters = parameters;
        _id = id;
        IsNotification = isNotification;
        TraceParent = traceParent;
    }

    public string Method { get; }

    /// <summary>
    /// The request's <c>traceparent</c> member, when it is a string: W3C trace context of the client's span (issue 14).
    /// JSON-RPC 2.0 lets a request carry members of its own; this one changes nothing but the trace.
    /// </summary>
    public string? TraceParent { get; }

    public JsonElement? Parameters { get; }

    /// <summary>True when the object has no <c>id</c> member (an <c>"id": null</c> is a request).</summary>
    public bool IsNotification { get; }

    /// <summary>The raw JSON of the id (<c>null</c>, a string or a number); empty for a notification.</summary>
    public ReadOnlySpan<byte> RawId => IsNotification ? default : JsonMarshal.GetRawUtf8Value(_id);

    /// <summary>Applies the Request object rules: an object, <c>jsonrpc</c> exactly "2.0", <c>method</c> a string,
    /// <c>params</c> (when present) an object or array, <c>id</c> (when present) a string, number or null.</summary>
    public static bool TryRead(JsonElement element, out JsonRpcRequest request)
    {
        request = default;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("jsonrpc"u8, out var version)
            || version.ValueKind != JsonValueKind.String
            || !version.ValueEquals("2.0"u8)
            || !element.TryGetProperty("method"u8, out var method)
            || method.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        JsonElement? parameters = null;
        if (element.TryGetProperty("params"u8, out var p))
        {
            // "params" MUST be a structured value when present; null is not one.
            if (p.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                return false;
            }

            parameters = p;
        }

        var hasId = element.TryGetProperty("id"u8, out var id);
        if (hasId && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return false;
        }

        // A W3C traceparent is 55 characters: anything longer is not one, and is not worth allocating.
        var traceParent = element.TryGetProperty("traceparent"u8, out var trace) && trace.ValueKind == JsonValueKind.String
                          && JsonMarshal.GetRawUtf8Value(trace).Length <= 64
            ? trace.GetString()
            : null;
        request = new JsonRpcRequest(method.GetString()!, parameters, id, !hasId, traceParent);
        return true;
    }
}
