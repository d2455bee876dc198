using System.Text.Json;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;

namespace Nexus.Tests.JsonRpc;

/// <summary>
/// docs/protocol.md section 3 (issue 11): a filter holds at most <c>Gateway:MaxFilterNames</c> names, include and exclude
/// together, each at most 200 characters; a call past either gets -32602 naming <c>channels</c> and changes nothing.
/// </summary>
public sealed class FilterLimitsTests
{
    private readonly JsonRpcDispatcher _dispatcher = NotifyMethodsTests.NotifyDispatcher(new GatewayOptions());

    [Fact]
    public async Task A_filter_of_256_names_is_accepted_and_the_257th_is_32602_channels_with_the_filter_unchanged()
    {
        var client = TestMethods.Client();
        var response = await CallAsync("notify.subscribe", Names(0, 256), client);
        Assert.Equal(256, response.GetProperty("result").GetProperty("filter").GetProperty("include").GetArrayLength());
        var full = client.Filter;

        foreach (var method in new[] { "notify.subscribe", "notify.unsubscribe" })
        {
            // Unsubscribing a name that is not included adds it to exclude: one more name as well.
            Rpc.AssertInvalidParam(await CallAsync(method, ["one-more"], client), "channels");
            Assert.Same(full, client.Filter);
        }

        // Names already held do not count twice, and a change that frees names is always possible.
        Rpc.AssertResult(await CallAsync("notify.subscribe", ["name-0"], client), JsonSerializer.Serialize(new { filter = new { include = Names(0, 256), exclude = Array.Empty<string>() } }), "1");
        Assert.Equal(255, (await CallAsync("notify.unsubscribe", ["name-0"], client)).GetProperty("result").GetProperty("filter").GetProperty("include").GetArrayLength());
    }

    [Fact]
    public async Task Include_and_exclude_count_together()
    {
        var client = TestMethods.Client();
        await CallAsync("notify.unsubscribe", Names(0, 100), client);
        var response = await CallAsync("notify.subscribe", Names(100, 156), client);
        Assert.Equal(100, response.GetProperty("result").GetProperty("filter").GetProperty("exclude").GetArrayLength());
        var full = client.Filter;
        Assert.Equal(256, full.NameCount);

        Rpc.AssertInvalidParam(await CallAsync("notify.subscribe", ["name-999"], client), "channels");
        Assert.Same(full, client.Filter);
    }

    [Fact]
    public async Task One_call_of_257_names_is_refused_whole()
    {
        var client = TestMethods.Client();

        Rpc.AssertInvalidParam(await CallAsync("notify.subscribe", Names(0, 257), client), "channels");

        Assert.Same(ClientFilter.All, client.Filter);
    }

    [Fact]
    public async Task A_name_of_200_characters_is_accepted_and_one_of_201_is_32602_channels()
    {
        foreach (var method in new[] { "notify.subscribe", "notify.unsubscribe" })
        {
            var client = TestMethods.Client();
            var longest = new string('n', 200);

            Assert.True((await CallAsync(method, [longest], client)).TryGetProperty("result", out _));
            var before = client.Filter;
            Rpc.AssertInvalidParam(await CallAsync(method, ["ok", new string('n', 201)], client), "channels");
            Assert.Same(before, client.Filter);
        }
    }

    [Fact]
    public async Task MaxFilterNames_is_configurable()
    {
        var dispatcher = NotifyMethodsTests.NotifyDispatcher(new GatewayOptions { MaxFilterNames = 2 });
        var client = TestMethods.Client();

        await Rpc.CallAsync(dispatcher, Call("notify.subscribe", ["a", "b"]), client);
        var response = await Rpc.CallAsync(dispatcher, Call("notify.subscribe", ["c"]), client);

        Rpc.AssertInvalidParam(response!.Value, "channels");
        Assert.Equal(["a", "b"], client.Filter.Include);
    }

    private async Task<JsonElement> CallAsync(string method, string[] channels, Nexus.WsGateway.Clients.ClientContext client)
        => (await Rpc.CallAsync(_dispatcher, Call(method, channels), client))!.Value;

    private static string Call(string method, string[] channels)
        => JsonSerializer.Serialize(new { jsonrpc = "2.0", method, @params = new { channels }, id = 1 });

    private static string[] Names(int from, int count) => [.. Enumerable.Range(from, count).Select(i => $"name-{i}")];
}
