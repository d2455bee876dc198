using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// Checks on named params shared by the methods. Each returns false with a -32602 error that names the param
/// (docs/protocol.md 4.3: <c>error.data = { param, message }</c>).
/// </summary>
internal static class JsonRpcParams
{
    /// <summary>Every Nexus method takes named params: absent params count as <c>{}</c>.</summary>
    public static bool TryGetObject(JsonElement? parameters, out JsonElement value, [NotNullWhen(false)] out JsonRpcError? error)
    {
        if (parameters is null)
        {
            value = default;
            error = null;
            return true;
        }

        value = parameters.Value;
        if (value.ValueKind == JsonValueKind.Object)
        {
            error = null;
            return true;
        }

        error = JsonRpcError.InvalidParams("params", "params must be an object of named parameters");
        return false;
    }

    /// <summary>A required string with at least one non-white-space character.</summary>
    public static bool TryGetRequiredString(JsonElement obj, string name, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out JsonRpcError? error)
    {
        value = null;
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var property))
        {
            error = JsonRpcError.InvalidParams(name, $"{name} is required");
            return false;
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            error = JsonRpcError.InvalidParams(name, $"{name} must be a string");
            return false;
        }

        value = property.GetString()!;
        if (string.IsNullOrWhiteSpace(value))
        {
            value = null;
            error = JsonRpcError.InvalidParams(name, $"{name} must not be empty");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>An optional string: absent or null gives null.</summary>
    public static bool TryGetOptionalString(JsonElement obj, string name, out string? value, [NotNullWhen(false)] out JsonRpcError? error)
    {
        value = null;
        error = null;
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            error = JsonRpcError.InvalidParams(name, $"{name} must be a string");
            return false;
        }

        value = property.GetString();
        return true;
    }

    /// <summary>A required non-empty array of non-empty strings.</summary>
    public static bool TryGetStringList(JsonElement obj, string name, [NotNullWhen(true)] out string[]? values, [NotNullWhen(false)] out JsonRpcError? error)
    {
        values = null;
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var property))
        {
            error = JsonRpcError.InvalidParams(name, $"{name} is required");
            return false;
        }

        if (property.ValueKind != JsonValueKind.Array || property.GetArrayLength() == 0)
        {
            error = JsonRpcError.InvalidParams(name, $"{name} must be a non-empty array of non-empty strings");
            return false;
        }

        var list = new string[property.GetArrayLength()];
        var i = 0;
        foreach (var item in property.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.ValueEquals(""u8))
            {
                error = JsonRpcError.InvalidParams(name, $"{name}[{i}] must be a non-empty string");
                return false;
            }

            list[i++] = item.GetString()!;
        }

        values = list;
        error = null;
        return true;
    }
}
