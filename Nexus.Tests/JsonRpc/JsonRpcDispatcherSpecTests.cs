using System.Text.Json;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>The examples of the JSON-RPC 2.0 specification (section 7), run through the engine.</summary>
public sealed class JsonRpcDispatcherSpecTests
{
    private readonly JsonRpcDispatcher _dispatcher = TestMethods.Dispatcher();

    [Theory]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}""", "19", "1")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}""", "-19", "2")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}""", "19", "3")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}""", "19", "4")]
    public async Task Call_with_positional_or_named_params_answers_the_result(string request, string result, string id)
    {
        var response = await Rpc.CallAsync(_dispatcher, request);
        Rpc.AssertResult(response!.Value, result, id);
    }

    [Fact]
    public async Task Notification_gets_no_reply_but_runs()
    {
        var update = new Counting("update2");
        var dispatcher = TestMethods.Dispatcher(update);

        Assert.Null(await Rpc.RawAsync(dispatcher, """{"jsonrpc": "2.0", "method": "update2", "params": [1,2,3,4,5]}"""));
        Assert.Null(await Rpc.RawAsync(dispatcher, """{"jsonrpc": "2.0", "method": "update2"}"""));
        Assert.Equal(2, update.Calls);
    }

    [Fact]
    public async Task Non_existent_method_is_32601_with_the_id()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc": "2.0", "method": "foobar", "id": "1"}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.MethodNotFound, "\"1\"");
    }

    [Fact]
    public async Task Invalid_json_is_32700_with_id_null()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.ParseError);
    }

    [Fact]
    public async Task Invalid_request_object_is_32600_with_id_null()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc": "2.0", "method": 1, "params": "bar"}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task Batch_with_invalid_json_is_a_single_32700()
    {
        var response = await Rpc.CallAsync(_dispatcher, """
            [
              {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
              {"jsonrpc": "2.0", "method"
            ]
            """);
        Assert.Equal(JsonValueKind.Object, response!.Value.ValueKind);
        Rpc.AssertError(response.Value, JsonRpcErrorCodes.ParseError);
    }

    [Fact]
    public async Task Empty_batch_is_a_single_32600_not_an_array()
    {
        var response = await Rpc.CallAsync(_dispatcher, "[]");
        Assert.Equal(JsonValueKind.Object, response!.Value.ValueKind);
        Rpc.AssertError(response.Value, JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task Invalid_batch_of_one_is_an_array_of_one_32600()
    {
        var response = await Rpc.CallAsync(_dispatcher, "[1]");
        Assert.Equal(JsonValueKind.Array, response!.Value.ValueKind);
        Rpc.AssertError(Assert.Single(response.Value.EnumerateArray()), JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task Invalid_batch_is_one_32600_per_element()
    {
        var response = await Rpc.CallAsync(_dispatcher, "[1,2,3]");
        var items = response!.Value.EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.All(items, item => Rpc.AssertError(item, JsonRpcErrorCodes.InvalidRequest));
    }

    [Fact]
    public async Task Mixed_batch_answers_each_request_in_order_and_skips_notifications()
    {
        var response = await Rpc.CallAsync(_dispatcher, """
            [
              {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
              {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
              {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
              {"foo": "boo"},
              {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
              {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """);
        var items = response!.Value.EnumerateArray().ToList();
        Assert.Equal(5, items.Count);
        Rpc.AssertResult(items[0], "7", "\"1\"");
        Rpc.AssertResult(items[1], "19", "\"2\"");
        Rpc.AssertError(items[2], JsonRpcErrorCodes.InvalidRequest);
        Rpc.AssertError(items[3], JsonRpcErrorCodes.MethodNotFound, "\"5\"");
        Rpc.AssertResult(items[4], """["hello", 5]""", "\"9\"");
    }

    [Fact]
    public async Task All_notification_batch_gets_no_reply_at_all()
    {
        var sum = new Counting("notify_sum2");
        var dispatcher = TestMethods.Dispatcher(sum);
        var reply = await Rpc.RawAsync(dispatcher, """
            [
              {"jsonrpc": "2.0", "method": "notify_sum2", "params": [1,2,4]},
              {"jsonrpc": "2.0", "method": "notify_sum2", "params": [7]},
              {"jsonrpc": "2.0", "method": "no_such_method", "params": [7]}
            ]
            """);
        Assert.Null(reply);
        Assert.Equal(2, sum.Calls);
    }
}
