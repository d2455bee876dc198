using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// Ready-made replies for the socket side, which answers some messages without running them
/// (e.g. -32004 when a client is over its rate limit, docs/protocol.md section 3).
/// </summary>
internal static class JsonRpcReplies
{
    /// <summary>A single error response for the given raw id JSON (empty span: <c>"id": null</c>).</summary>
    public static ReadOnlyMemory<byte> Error(ReadOnlySpan<byte> rawId, JsonRpcError error)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonRpcResponseWriter.WriteError(writer, rawId, error);
        }

        return buffer.WrittenMemory;
    }

    /// <summary>
    /// Answers every request of <paramref name="message"/> (one or a batch) with <paramref name="error"/>, without
    /// running any: each request gets the error with its own id; notifications get nothing, so a message of
    /// notifications only gives null; something unparsable gets -32700 and invalid elements -32600, as the engine would.
    /// Use it as <c>JsonRpcReplies.Reject(message, JsonRpcError.RateLimited)</c>.
    /// </summary>
    public static ReadOnlyMemory<byte>? Reject(ReadOnlyMemory<byte> message, JsonRpcError error)
    {
        if (!TryParse(message, out var document, out _))
        {
            return Error(default, JsonRpcError.ParseError);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() == 0)
            {
                return Error(default, JsonRpcError.InvalidRequest);
            }

            var buffer = new ArrayBufferWriter<byte>(128);
            var replies = 0;
            using (var writer = new Utf8JsonWriter(buffer))
            {
                if (root.ValueKind == JsonValueKind.Array)
                {
                    writer.WriteStartArray();
                    foreach (var element in root.EnumerateArray())
                    {
                        replies += RejectOne(writer, element, error) ? 1 : 0;
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    replies += RejectOne(writer, root, error) ? 1 : 0;
                }
            }

            return replies == 0 ? (ReadOnlyMemory<byte>?)null : buffer.WrittenMemory;
        }
    }

    /// <summary>
    /// Parses one message. JSON text is UTF-8 (RFC 8259) but the reader only checks the bytes of strings it decodes,
    /// so invalid UTF-8 is refused here, making it -32700 like any other text that is not JSON.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> message, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? reason)
    {
        document = null;
        if (!Utf8.IsValid(message.Span))
        {
            reason = "not UTF-8";
            return false;
        }

        if (HasUnpairedSurrogateEscape(message.Span))
        {
            reason = "a string holds an unpaired UTF-16 surrogate escape";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(message);
            reason = null;
            return true;
        }
        catch (JsonException ex)
        {
            reason = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// <c>"\ud800"</c> is valid JSON syntax, but no string can hold it: the reader accepts it and every later
    /// <c>GetString</c> or comparison throws. Found by the fuzz test (issue 4). Such a message is refused as a parse
    /// error here, once; the reader pass runs only for messages that contain a surrogate-range escape at all.
    /// </summary>
    private static bool HasUnpairedSurrogateEscape(ReadOnlySpan<byte> message)
    {
        if (message.IndexOf("\\ud"u8) < 0 && message.IndexOf("\\uD"u8) < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 64 });
            Span<char> scratch = stackalloc char[256];
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                    if (length <= scratch.Length)
                    {
                        reader.CopyString(scratch);
                    }
                    else
                    {
                        _ = reader.GetString();
                    }
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (JsonException)
        {
            // Not JSON at all: JsonDocument.Parse reports it.
        }

        return false;
    }

    /// <summary>
    /// Answers one element without running it: -32600 when it is no request object, nothing for a notification, else
    /// <paramref name="error"/> with its id. Writes nothing when <paramref name="writer"/> is null (a reply that is
    /// already too large). Returns true when the element has a response.
    /// </summary>
    internal static bool RejectOne(Utf8JsonWriter? writer, JsonElement element, JsonRpcError error)
    {
        if (!JsonRpcRequest.TryRead(element, out var request))
        {
            if (writer is not null)
            {
                JsonRpcResponseWriter.WriteError(writer, default, JsonRpcError.InvalidRequest);
            }

            return true;
        }

        if (request.IsNotification)
        {
            return false;
        }

        if (writer is not null)
        {
            JsonRpcResponseWriter.WriteError(writer, request.RawId, error);
        }

        return true;
    }
}
