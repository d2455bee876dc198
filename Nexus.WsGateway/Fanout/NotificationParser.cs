using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Nexus.WsGateway.Fanout;

/// <summary>A valid notification, serialised once: <see cref="Frame"/> is shared by every recipient.</summary>
internal readonly record struct ParsedNotification(byte[] Frame, string Event, string? TraceParent);

/// <summary>
/// Validates a notification payload (PROTOCOL.md section 1) in one pass and writes the JSON-RPC notification of
/// section 4.1 in another: <c>data</c> and <c>timestamp</c> are copied as raw JSON, <c>channel</c> comes from the
/// Redis channel, <c>traceparent</c> and unknown fields are not forwarded.
/// Reuses one writer and buffer: used by the single fan-out consumer only, not thread-safe.
/// </summary>
internal sealed class NotificationParser : IDisposable
{
    public const string TooLarge = "too_large";
    public const string NotJson = "not_json";
    public const string NotUtf8 = "not_utf8";
    public const string NotObject = "not_object";
    public const string MissingEvent = "missing_event";
    public const string InvalidEvent = "invalid_event";
    public const string InvalidTimestamp = "invalid_timestamp";

    private const int MaxEventLength = 128;

    private readonly int _maxPayloadBytes;
    private readonly long _maxFrameBytes;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    /// <param name="maxPayloadBytes"><c>Gateway:MaxPayloadBytes</c>.</param>
    /// <param name="maxFrameBytes">
    /// <c>Gateway:MaxQueuedBytes</c>: no message to a client is larger (PROTOCOL.md section 3). A frame over it could
    /// reach no client and would close every recipient as slow, so it is refused here, once, as too large.
    /// </param>
    public NotificationParser(int maxPayloadBytes, long maxFrameBytes)
    {
        _maxPayloadBytes = maxPayloadBytes;
        _maxFrameBytes = maxFrameBytes;
        // Relaxed escaping keeps non-ASCII text as UTF-8: the frame goes to a WebSocket, never into HTML.
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>False with a metric-friendly <paramref name="rejection"/> when the payload must not be forwarded.</summary>
    public bool TryParse(string channel, ReadOnlySpan<byte> payload, long receivedAtMs, out ParsedNotification notification, out string rejection)
    {
        notification = default;
        if (payload.Length > _maxPayloadBytes)
        {
            rejection = TooLarge;
            return false;
        }

        // The reader checks UTF-8 only in what it decodes, and data is copied raw: one invalid byte in a string would
        // reach every recipient, whose WebSocket fails the whole connection (1007) on a text frame that is not UTF-8.
        // Vectorised and once per message, never per recipient.
        if (!Utf8.IsValid(payload))
        {
            rejection = NotUtf8;
            return false;
        }

        string? eventName = null;
        string? traceParent = null;
        Range timestamp = default;
        Range data = default;
        var hasTimestamp = false;
        var hasData = false;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                rejection = NotObject;
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    eventName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (eventName is null or { Length: 0 or > MaxEventLength })
                    {
                        rejection = InvalidEvent;
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number)
                    {
                        rejection = InvalidTimestamp;
                        return false;
                    }

                    timestamp = ValueRange(ref reader);
                    hasTimestamp = true;
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    data = ValueRange(ref reader);
                    hasData = true;
                }
                else if (reader.ValueTextEquals("traceparent"u8))
                {
                    reader.Read();
                    traceParent = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the object (a second value, garbage) makes the reader throw.
            if (reader.Read())
            {
                rejection = NotJson;
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            rejection = NotJson;
            return false;
        }

        if (eventName is null)
        {
            rejection = MissingEvent;
            return false;
        }

        var frame = Write(channel, eventName, payload, hasData ? data : null, hasTimestamp ? timestamp : null, receivedAtMs);
        if (frame is null)
        {
            rejection = TooLarge;
            return false;
        }

        notification = new ParsedNotification(frame, eventName, traceParent);
        rejection = "";
        return true;
    }

    /// <returns>The frame, or null when it is larger than the largest message a client may be sent.</returns>
    private byte[]? Write(string channel, string eventName, ReadOnlySpan<byte> payload, Range? data, Range? timestamp, long receivedAtMs)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("jsonrpc"u8, "2.0"u8);
        _writer.WriteString("method"u8, "notify"u8);
        _writer.WriteStartObject("params"u8);
        _writer.WriteString("channel"u8, channel);
        _writer.WriteString("event"u8, eventName);
        _writer.WritePropertyName("data"u8);
        if (data is { } d)
        {
            // Already validated by the reader above.
            _writer.WriteRawValue(payload[d], skipInputValidation: true);
        }
        else
        {
            _writer.WriteNullValue();
        }

        _writer.WritePropertyName("timestamp"u8);
        if (timestamp is { } t)
        {
            _writer.WriteRawValue(payload[t], skipInputValidation: true);
        }
        else
        {
            _writer.WriteNumberValue(receivedAtMs);
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenCount > _maxFrameBytes ? null : _buffer.WrittenSpan.ToArray();
    }

    /// <summary>The bytes of the value the reader is on (skipping over objects and arrays), as raw JSON.</summary>
    private static Range ValueRange(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return start..(int)reader.BytesConsumed;
    }
}
