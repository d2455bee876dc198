using System.Buffers;
using System.Text.Json;

namespace Nexus.Client;

/// <summary>Writes the JSON-RPC 2.0 requests the client sends (docs/protocol.md section 4.2).</summary>
internal static class JsonRpcMessages
{
    /// <summary>One request to put in a message (or a batch).</summary>
    public readonly record struct Request(long Id, string Method, Action<Utf8JsonWriter>? WriteParams, string? TraceParent = null);

    public static ReadOnlyMemory<byte> Single(in Request request)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, request);
        }

        return buffer.WrittenMemory;
    }

    public static ReadOnlyMemory<byte> Batch(IReadOnlyList<Request> requests)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var request in requests)
            {
                Write(writer, request);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenMemory;
    }

    /// <summary><c>{ "channels": [...] }</c>, the params of notify.subscribe and notify.unsubscribe.</summary>
    public static Action<Utf8JsonWriter> Channels(IReadOnlyList<string> channels) => writer =>
    {
        writer.WriteStartArray("channels");
        foreach (var channel in channels)
        {
            writer.WriteStringValue(channel);
        }

        writer.WriteEndArray();
    };

    private static void Write(Utf8JsonWriter writer, in Request request)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteNumber("id", request.Id);
        writer.WriteString("method", request.Method);
        writer.WriteStartObject("params");
        request.WriteParams?.Invoke(writer);
        writer.WriteEndObject();
        if (request.TraceParent is { } traceParent)
        {
            // W3C trace context of the caller's span, so the gateway's "rpc <method>" span continues the client's trace.
            writer.WriteString("traceparent", traceParent);
        }

        writer.WriteEndObject();
    }
}
