using System.Text;
using System.Text.Json;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>Sends one text message through a dispatcher and parses the reply.</summary>
internal static class Rpc
{
    public static async Task<string?> RawAsync(IJsonRpcDispatcher dispatcher, string message, ClientContext? client = null, IRequestBudget? budget = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reply = await dispatcher.DispatchAsync(Encoding.UTF8.GetBytes(message), client ?? TestMethods.Client(), budget, cts.Token)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return reply is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : null;
    }

    public static async Task<JsonElement?> CallAsync(IJsonRpcDispatcher dispatcher, string message, ClientContext? client = null, IRequestBudget? budget = null)
    {
        var raw = await RawAsync(dispatcher, message, client, budget);
        return raw is null ? null : JsonDocument.Parse(raw).RootElement.Clone();
    }

    public static void AssertError(JsonElement response, int code, string rawId = "null")
    {
        Assert.Equal("2.0", response.GetProperty("jsonrpc").GetString());
        Assert.Equal(code, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(response.GetProperty("error").GetProperty("message").GetString()));
        Assert.False(response.TryGetProperty("result", out _));
        Assert.Equal(rawId, response.GetProperty("id").GetRawText());
    }

    public static void AssertResult(JsonElement response, string rawResult, string rawId)
    {
        Assert.Equal("2.0", response.GetProperty("jsonrpc").GetString());
        Assert.False(response.TryGetProperty("error", out _));
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(rawResult).RootElement, response.GetProperty("result")),
            $"expected result {rawResult}, got {response.GetProperty("result").GetRawText()}");
        Assert.Equal(rawId, response.GetProperty("id").GetRawText());
    }

    /// <summary>The params-error data of docs/protocol.md 4.3.</summary>
    public static void AssertInvalidParam(JsonElement response, string param, string rawId = "1")
    {
        AssertError(response, JsonRpcErrorCodes.InvalidParams, rawId);
        var data = response.GetProperty("error").GetProperty("data");
        Assert.Equal(param, data.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(data.GetProperty("message").GetString()));
    }
}
