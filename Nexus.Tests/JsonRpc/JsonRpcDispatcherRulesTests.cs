using System.Text.Json;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>The remaining rules of the specification and docs/protocol.md 4.3: ids, request shapes, error codes.</summary>
public sealed class JsonRpcDispatcherRulesTests
{
    private readonly JsonRpcDispatcher _dispatcher = TestMethods.Dispatcher();

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("-7")]
    [InlineData("1.5")]
    [InlineData("-0")]
    [InlineData("1e3")]
    [InlineData("1E-2")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("\"abc\"")]
    [InlineData("\"\"")]
    [InlineData("\"é \\u00e9 \\\"q\\\"\"")]
    [InlineData("null")]
    public async Task Id_is_echoed_exactly(string rawId)
    {
        var raw = await Rpc.RawAsync(_dispatcher, $$"""{"jsonrpc":"2.0","method":"echo","params":[true],"id":{{rawId}}}""");
        var response = JsonDocument.Parse(raw!).RootElement;
        Rpc.AssertResult(response, "[true]", rawId);
        Assert.Contains($"\"id\":{rawId}", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"x\"")]
    [InlineData("null")]
    public async Task Id_is_echoed_on_errors_too(string rawId)
    {
        var response = await Rpc.CallAsync(_dispatcher, $$"""{"jsonrpc":"2.0","method":"nope","id":{{rawId}}}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.MethodNotFound, rawId);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","id":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","id":[1]}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","id":true}""")]
    [InlineData("""{"method":"echo","id":1}""")]
    [InlineData("""{"jsonrpc":"1.0","method":"echo","id":1}""")]
    [InlineData("""{"jsonrpc":2.0,"method":"echo","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":null,"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":["echo"],"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":"x","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":3,"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":null,"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":"x"}""")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task Invalid_request_object_is_32600_with_id_null(string message)
    {
        var response = await Rpc.CallAsync(_dispatcher, message);
        Assert.Equal(JsonValueKind.Object, response!.Value.ValueKind);
        Rpc.AssertError(response.Value, JsonRpcErrorCodes.InvalidRequest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"jsonrpc\":\"2.0\",}")]
    [InlineData("[1,2")]
    [InlineData("{} {}")]
    public async Task Non_json_is_32700_with_id_null(string message)
    {
        var response = await Rpc.CallAsync(_dispatcher, message);
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.ParseError);
    }

    [Fact]
    public async Task Invalid_utf8_is_32700()
    {
        var reply = await _dispatcher.DispatchAsync(new byte[] { 0x22, 0xff, 0xfe, 0x22 }, TestMethods.Client(), budget: null, CancellationToken.None);
        Rpc.AssertError(JsonDocument.Parse(reply!.Value).RootElement, JsonRpcErrorCodes.ParseError);
    }

    [Fact]
    public async Task Nested_batch_element_is_invalid()
    {
        var response = await Rpc.CallAsync(_dispatcher, """[[{"jsonrpc":"2.0","method":"echo","id":1}]]""");
        Rpc.AssertError(Assert.Single(response!.Value.EnumerateArray()), JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task Params_may_be_absent()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"echo","id":7}""");
        Rpc.AssertResult(response!.Value, "null", "7");
    }

    [Fact]
    public async Task Notification_with_invalid_params_or_unknown_method_gets_no_reply()
    {
        Assert.Null(await Rpc.RawAsync(_dispatcher, """{"jsonrpc":"2.0","method":"unknown.method","params":{}}"""));
        Assert.Null(await Rpc.RawAsync(_dispatcher, """{"jsonrpc":"2.0","method":"fail","params":{"code":-32602}}"""));
        Assert.Null(await Rpc.RawAsync(_dispatcher, """{"jsonrpc":"2.0","method":"boom"}"""));
    }

    [Fact]
    public async Task Handler_exception_is_32603_and_the_engine_keeps_working()
    {
        var response = await Rpc.CallAsync(_dispatcher, """[{"jsonrpc":"2.0","method":"boom","id":1},{"jsonrpc":"2.0","method":"echo","params":[1],"id":2}]""");
        var items = response!.Value.EnumerateArray().ToList();
        Rpc.AssertError(items[0], JsonRpcErrorCodes.InternalError, "1");
        Rpc.AssertResult(items[1], "[1]", "2");
    }

    [Theory]
    [InlineData(JsonRpcErrorCodes.Forbidden)]
    [InlineData(JsonRpcErrorCodes.NotFound)]
    [InlineData(JsonRpcErrorCodes.RateLimited)]
    [InlineData(JsonRpcErrorCodes.Unavailable)]
    public async Task Method_errors_carry_their_code(int code)
    {
        var response = await Rpc.CallAsync(_dispatcher, $$"""{"jsonrpc":"2.0","method":"fail","params":{"code":{{code}}},"id":"a"}""");
        Rpc.AssertError(response!.Value, code, "\"a\"");
    }

    [Fact]
    public async Task Invalid_params_error_names_the_param()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"fail","params":{"code":-32602},"id":1}""");
        Rpc.AssertInvalidParam(response!.Value, "x");
    }

    [Fact]
    public async Task Conflict_error_carries_the_final_state()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"fail","params":{"code":-32003},"id":1}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.Conflict, "1");
        Rpc.AssertResult(
            JsonDocument.Parse($$"""{"jsonrpc":"2.0","result":{{response.Value.GetProperty("error").GetProperty("data").GetRawText()}},"id":1}""").RootElement,
            """{"requestId":"r1","status":"approved","by":"bob"}""",
            "1");
    }

    [Fact]
    public async Task Batch_replies_keep_request_order()
    {
        var batch = "[" + string.Join(',', Enumerable.Range(0, 20).Select(i => $$"""{"jsonrpc":"2.0","method":"echo","params":[{{i}}],"id":{{i}}}""")) + "]";
        var response = await Rpc.CallAsync(_dispatcher, batch);
        var ids = response!.Value.EnumerateArray().Select(r => r.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, 20), ids);
    }

    [Fact]
    public async Task Cancellation_of_the_connection_propagates_instead_of_answering()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var dispatcher = TestMethods.Dispatcher(new CancelObserving());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await dispatcher.DispatchAsync("""{"jsonrpc":"2.0","method":"wait","id":1}"""u8.ToArray(), TestMethods.Client(), budget: null, cts.Token));
    }

    [Fact]
    public void Two_methods_with_one_name_are_refused_at_start_up()
    {
        Assert.Throws<InvalidOperationException>(() => TestMethods.Dispatcher(new Counting("echo")));
    }

    private sealed class CancelObserving : IJsonRpcMethod
    {
        public string Name => "wait";

        public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, Nexus.WsGateway.Clients.ClientContext client, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return JsonRpcResult.Success(w => w.WriteNullValue());
        }
    }
}
