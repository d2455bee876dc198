using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>Writes response objects. The id is written from its raw JSON so it is echoed byte for byte.</summary>
internal static class JsonRpcResponseWriter
{
    private static readonly byte[] NullId = "null"u8.ToArray();

    /// <summary>A success response; <c>rawId</c> is the raw JSON of the request id, empty meaning <c>null</c>.</summary>
    public static void WriteResult(Utf8JsonWriter writer, ReadOnlySpan<byte> rawId, ReadOnlySpan<byte> rawResult)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WritePropertyName("result"u8);
        writer.WriteRawValue(rawResult, skipInputValidation: true);
        WriteId(writer, rawId);
        writer.WriteEndObject();
    }

    /// <summary>An error response; <c>rawId</c> is the raw JSON of the request id, empty meaning <c>null</c>.</summary>
    public static void WriteError(Utf8JsonWriter writer, ReadOnlySpan<byte> rawId, JsonRpcError error)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, error.Code);
        writer.WriteString("message"u8, error.Message);
        if (error.Data is { } data)
        {
            writer.WritePropertyName("data"u8);
            writer.WriteRawValue(data.Span, skipInputValidation: true);
        }

        writer.WriteEndObject();
        WriteId(writer, rawId);
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, ReadOnlySpan<byte> rawId)
    {
        writer.WritePropertyName("id"u8);
        // Raw, not re-encoded: numbers such as 1.5, -0, 1e3 or 2^70 must come back exactly as sent.
        writer.WriteRawValue(rawId.IsEmpty ? NullId : rawId, skipInputValidation: true);
    }
}
