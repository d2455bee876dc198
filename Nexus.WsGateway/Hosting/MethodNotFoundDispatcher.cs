using System.Buffers;
using System.Text.Json;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Hosting;

/// <summary>
/// PLACEHOLDER until the JSON-RPC engine (Nexus.WsGateway/JsonRpc, another branch) is merged: keeps the socket
/// usable by answering every request with the right error. Registered with TryAdd, so the real dispatcher's
/// registration replaces it without touching this file; delete it at the merge.
/// </summary>
internal sealed class MethodNotFoundDispatcher : IJsonRpcDispatcher
{
    public ValueTask<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> message, ClientContext client, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            return Reply(null, -32700, "Parse error");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0"
                || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
            {
                return Reply(null, -32600, "Invalid Request");
            }

            if (!root.TryGetProperty("id", out var id))
            {
                return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
            }

            return id.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null
                ? Reply(id, -32601, "Method not found")
                : Reply(null, -32600, "Invalid Request");
        }
    }

    private static ValueTask<ReadOnlyMemory<byte>?> Reply(JsonElement? id, int code, string text)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            if (id is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteStartObject("error");
            writer.WriteNumber("code", code);
            writer.WriteString("message", text);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return ValueTask.FromResult<ReadOnlyMemory<byte>?>(buffer.WrittenMemory.ToArray());
    }
}
