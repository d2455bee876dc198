using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;

namespace Nexus.Tests.JsonRpc;

/// <summary>notify.subscribe / notify.unsubscribe through the engine: results, the client's filter, bad channels.</summary>
public sealed class NotifyMethodsTests
{
    private readonly JsonRpcDispatcher _dispatcher = NotifyDispatcher(new GatewayOptions());

    /// <summary>The two filter methods behind an engine, with the limits of <paramref name="options"/>.</summary>
    internal static JsonRpcDispatcher NotifyDispatcher(GatewayOptions options)
    {
        var limits = Options.Create(options);
        return new(
            [new NotifySubscribeMethod(limits, NullLogger<NotifySubscribeMethod>.Instance), new NotifyUnsubscribeMethod(limits, NullLogger<NotifyUnsubscribeMethod>.Instance)],
            limits,
            NullLogger<JsonRpcDispatcher>.Instance);
    }

    [Fact]
    public async Task Subscribe_returns_the_filter_and_sets_it_on_the_client()
    {
        var client = TestMethods.Client();
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["approval","agent:*"]},"id":1}""", client);

        Rpc.AssertResult(response!.Value, """{"filter":{"include":["approval","agent:*"],"exclude":[]}}""", "1");
        Assert.True(client.Filter.Allows("agent:s1"));
        Assert.False(client.Filter.Allows("global"));
    }

    [Fact]
    public async Task Unsubscribe_returns_include_null_and_the_exclude_list()
    {
        var client = TestMethods.Client();
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"notify.unsubscribe","params":{"channels":["global"]},"id":"u"}""", client);

        Rpc.AssertResult(response!.Value, """{"filter":{"include":null,"exclude":["global"]}}""", "\"u\"");
        Assert.False(client.Filter.Allows("global"));
        Assert.True(client.Filter.Allows("approval"));
    }

    [Fact]
    public async Task A_batch_applies_its_changes_in_order()
    {
        var client = TestMethods.Client();
        var response = await Rpc.CallAsync(_dispatcher, """
            [
              {"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["global"]},"id":1},
              {"jsonrpc":"2.0","method":"notify.unsubscribe","params":{"channels":["global"]},"id":2},
              {"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["approval"]}}
            ]
            """, client);

        var items = response!.Value.EnumerateArray().ToList();
        Rpc.AssertResult(items[0], """{"filter":{"include":["global"],"exclude":[]}}""", "1");
        Rpc.AssertResult(items[1], """{"filter":{"include":[],"exclude":["global"]}}""", "2");
        Assert.Equal(["approval"], client.Filter.Include);
        Assert.Equal(["global"], client.Filter.Exclude);
    }

    [Theory]
    [InlineData("""{"channels":[]}""")]
    [InlineData("""{"channels":[""]}""")]
    [InlineData("""{"channels":["global",""]}""")]
    [InlineData("""{"channels":["global",1]}""")]
    [InlineData("""{"channels":[null]}""")]
    [InlineData("""{"channels":"global"}""")]
    [InlineData("""{"channels":null}""")]
    [InlineData("""{"channel":["global"]}""")]
    [InlineData("""{}""")]
    public async Task Bad_channels_are_32602_and_leave_the_filter_unchanged(string parameters)
    {
        foreach (var method in new[] { "notify.subscribe", "notify.unsubscribe" })
        {
            var client = TestMethods.Client();
            client.Filter = ClientFilter.All.Subscribe(["approval"]);
            var before = client.Filter;

            var response = await Rpc.CallAsync(_dispatcher, $$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{parameters}},"id":1}""", client);

            Rpc.AssertInvalidParam(response!.Value, "channels");
            Assert.Same(before, client.Filter);
        }
    }

    [Theory]
    [InlineData("""["global"]""")]
    [InlineData("""[]""")]
    public async Task Positional_params_are_32602(string parameters)
    {
        var response = await Rpc.CallAsync(_dispatcher, $$"""{"jsonrpc":"2.0","method":"notify.subscribe","params":{{parameters}},"id":1}""");
        Assert.Equal(JsonRpcErrorCodes.InvalidParams, response!.Value.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Missing_params_are_32602_naming_channels()
    {
        var response = await Rpc.CallAsync(_dispatcher, """{"jsonrpc":"2.0","method":"notify.subscribe","id":1}""");
        Rpc.AssertInvalidParam(response!.Value, "channels");
    }

    [Fact]
    public async Task Subscribe_as_a_notification_changes_the_filter_without_reply()
    {
        var client = TestMethods.Client();
        Assert.Null(await Rpc.RawAsync(_dispatcher, """{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["global"]}}""", client));
        Assert.Equal(["global"], client.Filter.Include);
    }
}
