using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Nexus.Contracts.History;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// A valid notification, serialised once: <see cref="Frame"/> is shared by every recipient. <see cref="Id"/> is set for a
/// durable notification (published with <c>nexus_publish</c>, docs/protocol.md section 1.1).
/// </summary>
internal readonly record struct ParsedNotification(byte[] Frame, string Event, string? TraceParent, HistoryId? Id);

/// <summary>
/// Validates a notification payload (docs/protocol.md section 1) in one pass and writes the JSON-RPC notification of
/// section 4.1 in another: <c>data</c> and <c>timestamp</c> are copied as raw JSON, <c>channel</c> comes from the
/// Redis channel, <c>traceparent</c> and unknown fields are not forwarded. A durable payload's <c>id</c>, which
/// <c>nexus_publish</c> writes as its first member, becomes <c>params.id</c>; an <c>id</c> anywhere else, or not in the
/// history's format, is an unknown field like any other.
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

    // The epoch of the last id seen, as text: one history has one epoch, so it is allocated once, not per message.
    private byte[] _epochBytes = [];
    private string _epoch = "";

    /// <param name="maxPayloadBytes"><c>Gateway:MaxPayloadBytes</c>.</param>
    /// <param name="maxFrameBytes">
    /// <c>Gateway:MaxQueuedBytes</c>: no message to a client is larger (docs/protocol.md section 3). A frame over it could
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
        => TryParse(channel, payload, receivedAtMs, storedId: null, out notification, out rejection);

    /// <summary>
    /// As the other overload; <paramref name="storedId"/> is the id of a payload read back from the history stream, which
    /// is stored without its id (<c>nexus_publish</c> adds it only to what it publishes).
    /// </summary>
    public bool TryParse(string channel, ReadOnlySpan<byte> payload, long receivedAtMs, HistoryId? storedId, out ParsedNotification notification, out string rejection)
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
        Range idText = default;
        var id = storedId;
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

            var first = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (first && storedId is null && reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && TryReadId(reader.ValueSpan, out var parsedId))
                    {
                        id = parsedId;
                        var start = (int)reader.TokenStartIndex + 1;
                        idText = start..(start + reader.ValueSpan.Length);
                    }

                    reader.Skip();
                }
                else if (reader.ValueTextEquals("event"u8))
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

                first = false;
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

        Span<byte> stored = stackalloc byte[storedId is null ? 0 : HistoryId.MaxLength];
        var idBytes = storedId is { } known
            ? stored[..System.Text.Encoding.ASCII.GetBytes(known.ToString(), stored)]
            : id is null ? [] : payload[idText];
        var frame = Write(channel, eventName, payload, idBytes, hasData ? data : null, hasTimestamp ? timestamp : null, receivedAtMs);
        if (frame is null)
        {
            rejection = TooLarge;
            return false;
        }

        notification = new ParsedNotification(frame, eventName, traceParent, id);
        rejection = "";
        return true;
    }

    /// <returns>The frame, or null when it is larger than the largest message a client may be sent.</returns>
    private byte[]? Write(string channel, string eventName, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> id, Range? data, Range? timestamp, long receivedAtMs)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("jsonrpc"u8, "2.0"u8);
        _writer.WriteString("method"u8, "notify"u8);
        _writer.WriteStartObject("params"u8);
        if (!id.IsEmpty)
        {
            // Digits, ':' and '-' only (TryReadId): nothing to escape, copied as the publisher's function wrote it.
            _writer.WriteString("id"u8, id);
        }

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

    /// <summary>Reads <c>&lt;epoch&gt;:&lt;ms&gt;-&lt;seq&gt;</c> (HistoryLibrary) without allocating, but for a new epoch's text.</summary>
    private bool TryReadId(ReadOnlySpan<byte> text, out HistoryId id)
    {
        id = default;
        var colon = text.IndexOf((byte)':');
        if (text.Length > HistoryId.MaxLength || colon <= 0)
        {
            return false;
        }

        var epoch = text[..colon];
        var entry = text[(colon + 1)..];
        var dash = entry.IndexOf((byte)'-');
        if (dash <= 0 || epoch.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            || !System.Buffers.Text.Utf8Parser.TryParse(entry[..dash], out long ms, out var msLength) || msLength != dash
            || !System.Buffers.Text.Utf8Parser.TryParse(entry[(dash + 1)..], out long seq, out var seqLength) || seqLength != entry.Length - dash - 1
            || ms < 0 || seq < 1)
        {
            return false;
        }

        if (!epoch.SequenceEqual(_epochBytes))
        {
            _epochBytes = epoch.ToArray();
            _epoch = System.Text.Encoding.ASCII.GetString(epoch);
        }

        id = new HistoryId(_epoch, ms, seq);
        return true;
    }

    /// <summary>The bytes of the value the reader is on (skipping over objects and arrays), as raw JSON.</summary>
    private static Range ValueRange(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return start..(int)reader.BytesConsumed;
    }
}
