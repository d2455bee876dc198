using System.Text;
using System.Text.Json;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;

namespace Nexus.Tests.JsonRpc;

/// <summary>
/// docs/protocol.md section 3, bounded work per message (issue 11): at most <c>Gateway:MaxBatchSize</c> requests per batch,
/// every request asks the budget, and no reply is larger than <c>Gateway:MaxQueuedBytes</c>.
/// </summary>
public sealed class BatchAndReplyLimitsTests
{
    [Fact]
    public async Task A_batch_of_MaxBatchSize_requests_runs_every_one()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(counting);

        var response = await Rpc.CallAsync(dispatcher, Batch(50, i => Request("count", i)));

        Assert.Equal(50, counting.Calls);
        Assert.Equal(Enumerable.Range(0, 50), response!.Value.EnumerateArray().Select(r => r.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task A_batch_of_one_more_than_MaxBatchSize_is_one_32600_with_id_null_and_nothing_runs()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(counting);
        var budget = new FixedBudget(int.MaxValue);

        var response = await Rpc.CallAsync(dispatcher, Batch(51, i => Request("count", i)), budget: budget);

        Assert.Equal(JsonValueKind.Object, response!.Value.ValueKind);
        Rpc.AssertError(response.Value, JsonRpcErrorCodes.InvalidRequest);
        Assert.Equal(0, counting.Calls);
        // Refused whole, it costs what one message costs.
        Assert.Equal([1], budget.Asked);
    }

    [Fact]
    public async Task MaxBatchSize_is_configurable()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(new GatewayOptions { MaxBatchSize = 3 }, counting);

        Assert.Equal(3, (await Rpc.CallAsync(dispatcher, Batch(3, i => Request("count", i))))!.Value.GetArrayLength());
        Rpc.AssertError((await Rpc.CallAsync(dispatcher, Batch(4, i => Request("count", i))))!.Value, JsonRpcErrorCodes.InvalidRequest);
        Assert.Equal(3, counting.Calls);
    }

    [Fact]
    public async Task Every_request_of_a_batch_asks_the_budget_and_the_excess_gets_32004_with_its_id_in_order()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(counting);
        var budget = new FixedBudget(3);
        // Five requests, then a notification and an invalid element past the budget.
        var batch = "[" + string.Join(',', Enumerable.Range(1, 5).Select(i => Request("count", i))) + """,{"jsonrpc":"2.0","method":"count"},1]""";

        var response = await Rpc.CallAsync(dispatcher, batch, budget: budget);

        Assert.Equal([7], budget.Asked);
        Assert.Equal(3, counting.Calls);
        var replies = response!.Value.EnumerateArray().ToList();
        Assert.Equal(6, replies.Count);
        for (var i = 0; i < 3; i++)
        {
            Rpc.AssertResult(replies[i], "null", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Rpc.AssertError(replies[3], JsonRpcErrorCodes.RateLimited, "4");
        Rpc.AssertError(replies[4], JsonRpcErrorCodes.RateLimited, "5");
        Rpc.AssertError(replies[5], JsonRpcErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task A_single_request_over_the_budget_gets_32004_and_does_not_run()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(counting);

        var response = await Rpc.CallAsync(dispatcher, Request("count", 9), budget: new FixedBudget(0));

        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.RateLimited, "9");
        Assert.Equal(0, counting.Calls);
    }

    [Fact]
    public async Task A_reply_over_MaxQueuedBytes_is_replaced_by_32603_response_too_large_with_the_requests_id()
    {
        var dispatcher = TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = 1024 });
        var fits = new string('a', 900);
        var tooLarge = new string('a', 1100);

        var small = await Rpc.CallAsync(dispatcher, $$"""{"jsonrpc":"2.0","method":"echo","params":["{{fits}}"],"id":"ok"}""");
        var large = await Rpc.RawAsync(dispatcher, $$"""{"jsonrpc":"2.0","method":"echo","params":["{{tooLarge}}"],"id":"big"}""");

        Rpc.AssertResult(small!.Value, $"[\"{fits}\"]", "\"ok\"");
        Assert.True(Encoding.UTF8.GetByteCount(large!) <= 1024);
        AssertResponseTooLarge(JsonDocument.Parse(large!).RootElement, "\"big\"");
    }

    [Fact]
    public async Task A_batch_reply_over_MaxQueuedBytes_is_one_32603_with_id_null_and_every_request_still_runs()
    {
        var counting = new Counting("count");
        var dispatcher = TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = 4096 }, counting);
        // 50 replies that each echo a 1000-character id: about 52 KB.
        var longId = new string('i', 1000);

        var raw = await Rpc.RawAsync(dispatcher, Batch(50, i => $$"""{"jsonrpc":"2.0","method":"count","id":"{{longId}}{{i}}"}"""));

        Assert.True(Encoding.UTF8.GetByteCount(raw!) <= 4096);
        AssertResponseTooLarge(JsonDocument.Parse(raw!).RootElement, "null");
        Assert.Equal(50, counting.Calls);
    }

    [Fact]
    public async Task A_batch_reply_stops_growing_once_past_MaxQueuedBytes()
    {
        const int Limit = 4096;
        var dispatcher = TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = Limit });
        // 50 replies echoing 4000-character ids would be about 200 KB; the engine must not build them to discard them.
        var message = Encoding.UTF8.GetBytes(Batch(50, i => $$"""{"jsonrpc":"2.0","method":"update","id":"{{new string('i', 4000)}}{{i}}"}"""));
        var client = TestMethods.Client();
        await dispatcher.DispatchAsync(message, client, budget: null, CancellationToken.None);

        // The methods complete synchronously, so the whole dispatch runs on this thread.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var task = dispatcher.DispatchAsync(message, client, budget: null, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(task.IsCompletedSuccessfully);
        Assert.True((await task)!.Value.Length <= Limit);
        Assert.True(allocated < 100_000, $"dispatching allocated {allocated} bytes; a full reply alone is about 200,000");
    }

    [Fact]
    public async Task A_batch_reply_of_exactly_MaxQueuedBytes_is_sent_whole()
    {
        var probe = await Rpc.RawAsync(TestMethods.Dispatcher(), Batch(3, i => Request("update", i)));
        var exact = Encoding.UTF8.GetByteCount(probe!);
        var atLimit = TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact });
        var belowLimit = TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact - 1 });

        Assert.Equal(probe, await Rpc.RawAsync(atLimit, Batch(3, i => Request("update", i))));
        AssertResponseTooLarge((await Rpc.CallAsync(belowLimit, Batch(3, i => Request("update", i))))!.Value, "null");
    }

    [Theory]
    [InlineData("{not json", JsonRpcErrorCodes.ParseError)]
    [InlineData("[]", JsonRpcErrorCodes.InvalidRequest)]
    public async Task A_message_that_runs_nothing_still_costs_the_budget_one_request(string message, int code)
    {
        var budget = new FixedBudget(int.MaxValue);

        var response = await Rpc.CallAsync(TestMethods.Dispatcher(), message, budget: budget);

        Rpc.AssertError(response!.Value, code);
        Assert.Equal([1], budget.Asked);
    }

    [Fact]
    public async Task A_single_reply_of_exactly_MaxQueuedBytes_is_sent_whole()
    {
        const string Request = """{"jsonrpc":"2.0","method":"echo","params":["abc"],"id":7}""";
        var probe = await Rpc.RawAsync(TestMethods.Dispatcher(), Request);
        var exact = Encoding.UTF8.GetByteCount(probe!);

        Assert.Equal(probe, await Rpc.RawAsync(TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact }), Request));
        // One byte less: the error that replaces it is larger than the reply, so it goes without the id.
        AssertResponseTooLarge((await Rpc.CallAsync(TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact - 1 }), Request))!.Value, "null");
    }

    [Fact]
    public async Task A_too_large_reply_keeps_the_requests_id_when_that_error_fits_exactly_and_drops_it_when_it_does_not()
    {
        // The id is echoed in the error too; only when that error itself would be over the limit is the id left out.
        var id = "\"" + new string('i', 500) + "\"";
        var request = $$"""{"jsonrpc":"2.0","method":"echo","params":["{{new string('p', 5000)}}"],"id":{{id}}}""";
        var withId = await Rpc.RawAsync(TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = 2000 }), request);
        AssertResponseTooLarge(JsonDocument.Parse(withId!).RootElement, id);
        var exact = Encoding.UTF8.GetByteCount(withId!);

        Assert.Equal(withId, await Rpc.RawAsync(TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact }), request));
        AssertResponseTooLarge((await Rpc.CallAsync(TestMethods.Dispatcher(new GatewayOptions { MaxQueuedBytes = exact - 1 }), request))!.Value, "null");
    }

    internal static void AssertResponseTooLarge(JsonElement response, string rawId)
    {
        Rpc.AssertError(response, JsonRpcErrorCodes.InternalError, rawId);
        Assert.Equal("response too large", response.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
    }

    private static string Request(string method, int id) => $$"""{"jsonrpc":"2.0","method":"{{method}}","id":{{id}}}""";

    private static string Batch(int count, Func<int, string> element) => "[" + string.Join(',', Enumerable.Range(0, count).Select(element)) + "]";

    /// <summary>An in-memory budget (a pure unit test of the engine): grants up to a fixed total and records what was asked.</summary>
    private sealed class FixedBudget(int total) : IRequestBudget
    {
        private int _left = total;

        public List<int> Asked { get; } = [];

        public int Admit(int requests)
        {
            Asked.Add(requests);
            var granted = Math.Min(requests, _left);
            _left -= granted;
            return granted;
        }
    }
}
