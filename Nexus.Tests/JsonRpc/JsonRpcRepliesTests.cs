using System.Text;
using System.Text.Json;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>The replies the socket side sends without running a message (e.g. -32004 when rate limited).</summary>
public sealed class JsonRpcRepliesTests
{
    [Theory]
    [InlineData("1")]
    [InlineData("\"abc\"")]
    [InlineData("1.50")]
    public void Error_echoes_the_raw_id(string rawId)
    {
        var reply = JsonRpcReplies.Error(Encoding.UTF8.GetBytes(rawId), JsonRpcError.RateLimited);
        Rpc.AssertError(JsonDocument.Parse(reply).RootElement, JsonRpcErrorCodes.RateLimited, rawId);
    }

    [Fact]
    public void Error_without_id_answers_id_null()
    {
        var reply = JsonRpcReplies.Error(default, JsonRpcError.RateLimited);
        Rpc.AssertError(JsonDocument.Parse(reply).RootElement, JsonRpcErrorCodes.RateLimited);
    }

    [Fact]
    public void Reject_answers_each_request_of_a_batch_and_skips_notifications()
    {
        var reply = JsonRpcReplies.Reject(
            """[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b"},{"jsonrpc":"2.0","method":"c","id":"x"},7]"""u8.ToArray(),
            JsonRpcError.RateLimited);
        var items = JsonDocument.Parse(reply!.Value).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Rpc.AssertError(items[0], JsonRpcErrorCodes.RateLimited, "1");
        Rpc.AssertError(items[1], JsonRpcErrorCodes.RateLimited, "\"x\"");
        Rpc.AssertError(items[2], JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public void Reject_of_a_single_request_is_a_single_error()
    {
        var reply = JsonRpcReplies.Reject("""{"jsonrpc":"2.0","method":"a","id":9}"""u8.ToArray(), JsonRpcError.RateLimited);
        Rpc.AssertError(JsonDocument.Parse(reply!.Value).RootElement, JsonRpcErrorCodes.RateLimited, "9");
    }

    [Fact]
    public void Reject_of_notifications_only_is_no_reply()
    {
        Assert.Null(JsonRpcReplies.Reject("""{"jsonrpc":"2.0","method":"a"}"""u8.ToArray(), JsonRpcError.RateLimited));
        Assert.Null(JsonRpcReplies.Reject("""[{"jsonrpc":"2.0","method":"a"}]"""u8.ToArray(), JsonRpcError.RateLimited));
    }

    [Fact]
    public void Reject_of_non_json_is_parse_error()
    {
        var reply = JsonRpcReplies.Reject("nope"u8.ToArray(), JsonRpcError.RateLimited);
        Rpc.AssertError(JsonDocument.Parse(reply!.Value).RootElement, JsonRpcErrorCodes.ParseError);
    }
}
