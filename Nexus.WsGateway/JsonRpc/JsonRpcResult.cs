using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// What a method returns: either the raw JSON of <c>result</c> or an <see cref="JsonRpcError"/>.
/// The result is serialised by the method, inside its own try, so a serialisation failure becomes -32603.
/// </summary>
internal sealed class JsonRpcResult
{
    private JsonRpcResult(ReadOnlyMemory<byte> result, JsonRpcError? error)
    {
        Result = result;
        Error = error;
    }

    /// <summary>The raw JSON of <c>result</c>; meaningful only when <see cref="Error"/> is null.</summary>
    public ReadOnlyMemory<byte> Result { get; }

    public JsonRpcError? Error { get; }

    public static JsonRpcResult Success(Action<Utf8JsonWriter> writeResult) => new(JsonRpcError.Serialize(writeResult), null);

    public static JsonRpcResult Success<T>(T value, JsonTypeInfo<T> typeInfo) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), null);

    public static JsonRpcResult Failure(JsonRpcError error) => new(default, error);
}
