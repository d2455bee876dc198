using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway;

/// <summary>
/// docs/protocol.md section 3, bounded work per message (issue 11), over real sockets: batch size, every request of a batch
/// against the rate limit, no message to a client larger than <c>Gateway:MaxQueuedBytes</c>, and the socket stays open.
/// </summary>
public sealed class RequestLimitsTests
{
    private const string RateLimited = "nexus.gateway.requests.rate_limited";

    [Fact]
    public async Task A_batch_of_50_runs_and_a_batch_of_51_is_one_32600_with_id_null_that_runs_nothing()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("batcher");

        await client.SendTextAsync(SubscribeBatch(50, "fifty"));
        var fifty = await client.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Array, "the reply to the batch of 50");
        Assert.Equal(50, fifty.GetArrayLength());

        await client.SendTextAsync(SubscribeBatch(51, "fifty-one"));
        await client.SendTextAsync("""{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["probe"]},"id":"probe"}""");
        var probe = await WaitForIdAsync(client, "probe");

        var refused = client.Messages.Single(m => m.ValueKind == JsonValueKind.Object && m.GetProperty("id").ValueKind == JsonValueKind.Null);
        Assert.Equal(-32600, refused.GetProperty("error").GetProperty("code").GetInt32());
        // Nothing of the batch of 51 ran: the filter holds the 50 names and the probe only.
        var include = probe.GetProperty("result").GetProperty("filter").GetProperty("include").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(51, include.Count);
        Assert.DoesNotContain(include, name => name!.StartsWith("fifty-one", StringComparison.Ordinal));
        Assert.Equal(3, client.Messages.Count);
    }

    [Fact]
    public async Task Every_request_of_a_batch_counts_toward_the_rate_limit_and_the_excess_gets_32004_in_order()
    {
        await using var redis = await RedisServer.StartAsync();
        // 10 per second, bursts of 20: a fresh connection has exactly 20 to spend.
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxRequestsPerSecond"] = "10" });
        await using var client = await host.ConnectAsync("batch-flooder");
        var batch = "[" + string.Join(',', Enumerable.Range(1, 30).Select(i => $$"""{"jsonrpc":"2.0","method":"nope","id":{{i}}}""")) + "]";

        await client.SendTextAsync(batch);

        var reply = await client.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Array, "the batch reply");
        var answers = reply.EnumerateArray().Select(r => (Id: r.GetProperty("id").GetInt32(), Code: r.GetProperty("error").GetProperty("code").GetInt32())).ToList();
        Assert.Equal(Enumerable.Range(1, 30), answers.Select(a => a.Id));
        Assert.All(answers.Take(20), a => Assert.Equal(-32601, a.Code));
        Assert.All(answers.Skip(20), a => Assert.Equal(-32004, a.Code));
        Assert.Equal(10, host.Metrics.Sum(RateLimited));
        Assert.Null(client.CloseStatus);
    }

    [Fact]
    public async Task A_reply_over_MaxQueuedBytes_is_replaced_by_32603_and_the_socket_keeps_answering()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxQueuedBytes"] = "16384" });
        await using var client = await host.ConnectAsync("big-reply");

        // 100 names of 200 characters: the filter echoed in the reply is about 20 KB.
        await client.SendTextAsync(Subscribe("big", Enumerable.Range(0, 100).Select(i => $"{i:D3}" + new string('n', 197))));
        var replaced = await WaitForIdAsync(client, "big");
        await AssertStillAnsweringAsync(client);

        AssertResponseTooLarge(replaced, JsonValueKind.String);
        // The request itself ran (the reply was replaced, the work not undone): only the subscribed channels arrive now.
        await host.PublishAsync("elsewhere", """{"event":"filtered.out"}""");
        await host.PublishAsync("000" + new string('n', 197), """{"event":"filtered.in"}""");
        await client.WaitForEventAsync("filtered.in");
        Assert.False(client.HasEvent("filtered.out"));
    }

    [Fact]
    public async Task A_batch_of_ones_cannot_amplify_past_MaxQueuedBytes()
    {
        await using var redis = await RedisServer.StartAsync();
        // Batch size and rate out of the way, so that only the reply limit stands between 32 KB in and 1.28 MB out.
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Gateway:MaxQueuedBytes"] = "16384",
            ["Gateway:MaxBatchSize"] = "100000",
            ["Gateway:MaxRequestsPerSecond"] = "1000000",
        });
        await using var client = await host.ConnectAsync("ones");
        var ones = "[" + string.Join(',', Enumerable.Repeat("1", 16_000)) + "]";

        await client.SendTextAsync(ones);

        var replaced = await client.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Object, "the reply to the batch of ones");
        AssertResponseTooLarge(replaced, JsonValueKind.Null);
        await AssertStillAnsweringAsync(client);
        Assert.Equal(2, client.Messages.Count);
    }

    [Fact]
    public async Task With_the_default_MaxBatchSize_a_batch_of_ones_is_a_single_32600()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("ones-default");

        await client.SendTextAsync("[" + string.Join(',', Enumerable.Repeat("1", 16_000)) + "]");

        var refused = await client.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Object, "the reply to the batch of ones");
        Assert.Equal(-32600, refused.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("id").ValueKind);
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task With_default_limits_a_batch_echoing_a_grown_filter_cannot_amplify_past_MaxQueuedBytes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis);
        await using var client = await host.ConnectAsync("grown-filter");

        // The largest filter there is: 256 names of 200 characters, about 52 KB in every reply that echoes it.
        await client.SendTextAsync(Subscribe("grow", Enumerable.Range(0, 256).Select(i => $"{i:D3}" + new string('g', 197))));
        var grown = await WaitForIdAsync(client, "grow");
        Assert.Equal(256, grown.GetProperty("result").GetProperty("filter").GetProperty("include").GetArrayLength());

        // 50 echoes of it would be 2.6 MB against a limit of 1 MiB.
        await client.SendTextAsync("[" + string.Join(',', Enumerable.Range(0, 50).Select(i => $$"""{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["000{{new string('g', 197)}}"]},"id":{{i}}}""")) + "]");

        var replaced = await client.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Object && m.GetProperty("id").ValueKind == JsonValueKind.Null, "the reply to the batch");
        AssertResponseTooLarge(replaced, JsonValueKind.Null);
        await AssertStillAnsweringAsync(client);
        Assert.Equal(0, host.Metrics.Sum("nexus.gateway.slow_client_disconnects"));
    }

    private static void AssertResponseTooLarge(JsonElement response, JsonValueKind idKind)
    {
        Assert.Equal(-32603, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("response too large", response.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(idKind, response.GetProperty("id").ValueKind);
    }

    private static async Task AssertStillAnsweringAsync(TestClient client)
    {
        var id = "after-" + Guid.NewGuid().ToString("N");
        await client.SendTextAsync($$"""{"jsonrpc":"2.0","method":"nope","id":"{{id}}"}""");
        var answer = await WaitForIdAsync(client, id);
        Assert.Equal(-32601, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Null(client.CloseStatus);
        Assert.False(client.Closed.IsCompleted);
    }

    private static Task<JsonElement> WaitForIdAsync(TestClient client, string id)
        => client.WaitForMessageAsync(
            m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String && i.GetString() == id,
            $"the reply with id {id}");

    private static string Subscribe(string id, IEnumerable<string> channels)
        => JsonSerializer.Serialize(new { jsonrpc = "2.0", method = "notify.subscribe", @params = new { channels = channels.ToArray() }, id });

    private static string SubscribeBatch(int count, string prefix)
        => "[" + string.Join(',', Enumerable.Range(0, count).Select(i => $$"""{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["{{prefix}}-{{i}}"]},"id":{{i}}}""")) + "]";
}
