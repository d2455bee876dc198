using System.Buffers;
using System.Text.Json;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Error responses the socket layer produces itself, before any dispatcher runs (PROTOCOL.md 4.3):
/// -32004 for a rate-limited message, -32603 when the dispatcher failed.
/// </summary>
internal static class JsonRpcErrorResponse
{
    public const int RateLimitedCode = -32004;
    public const int InternalErrorCode = -32603;

    /// <summary>Echoes the request's id when the message is one object with a scalar id, else id null.</summary>
    public static byte[] Create(ReadOnlySpan<byte> request, int code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WritePropertyName("id"u8);
            if (TryFindId(request, out var id))
            {
                writer.WriteRawValue(id, skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, code);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryFindId(ReadOnlySpan<byte> request, out ReadOnlySpan<byte> id)
    {
        id = default;
        try
        {
            var reader = new Utf8JsonReader(request);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId && reader.TokenType is JsonTokenType.String or JsonTokenType.Number or JsonTokenType.Null)
                {
                    var start = (int)reader.TokenStartIndex;
                    id = request[start..(int)reader.BytesConsumed];
                    return true;
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a name with an unpaired surrogate escape: the id is unknown, so null (as the specification
            // does for parse errors). This runs on the receive loop: it must never throw.
        }

        return false;
    }
}
