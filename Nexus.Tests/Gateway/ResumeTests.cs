using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Contracts.History;
using Nexus.Contracts.Redis;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Ids, history and resume through the real gateway and a real Redis (docs/protocol.md sections 1.1, 4.1 and 4.2,
/// issue 12): the id a durable publish returns is the one a client sees; a client that comes back resumes with exactly
/// what it was entitled to and missed, in order, then live traffic, with no gap and no duplicate; on another replica too;
/// and <c>recovered: false</c> when its id is gone.
/// </summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;

    private IDatabase Db => _connection.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await _redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_durable_publish_carries_the_id_it_returned_and_a_plain_publish_has_none()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        await using var client = await gateway.ConnectAsync("alice");

        var id = await PublishAsync("global", """{"event":"durable"}""");
        await gateway.PublishAsync("global", """{"event":"plain"}""");

        var durable = await client.WaitForEventAsync("durable");
        var plain = await client.WaitForEventAsync("plain");
        Assert.Equal(id, durable.GetProperty("id").GetString());
        Assert.False(plain.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task A_client_resumes_with_exactly_its_entitled_filtered_notifications_in_order_then_live_ones_while_a_publisher_runs()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        await Db.HashSetAsync(RedisKeys.Session("s_alice"), RedisKeys.SessionOwnerField, "alice");
        await Db.HashSetAsync(RedisKeys.Session("s_bob"), RedisKeys.SessionOwnerField, "bob");
        using var stop = new CancellationTokenSource();
        var background = PublishContinuouslyAsync(perSecond: 200, stop.Token);

        // Alice receives live traffic with a filter that leaves out "noise", then her network blinks.
        var first = await gateway.ConnectAsync("alice");
        await first.CallAsync("notify.unsubscribe", """{"channels":["noise"]}""");
        await Wait.UntilAsync(() => first.Notifications.Count(n => n.TryGetProperty("id", out _)) >= 20, "live traffic before the blink");
        await first.DisposeAsync();
        var last = first.Notifications.Last(n => n.TryGetProperty("id", out _)).GetProperty("id").GetString()!;

        // While she is away: 20 notifications on channels she may and may not see. A witness sees the last of them
        // (the 20th is on approval, every user's by default) fanned out before she reconnects, so all 20 are hers to replay.
        await using var witness = await gateway.ConnectAsync("walter");
        string[] channels = ["global", "user:alice", "user:bob", "agent:s_alice", "agent:s_bob", "approval", "noise"];
        var lastMissed = "";
        for (var i = 0; i < 20; i++)
        {
            lastMissed = await PublishAsync(channels[i % channels.Length], $$$"""{"event":"missed","data":{"i":{{{i}}}}}""");
        }

        await FannedOutAsync(witness, lastMissed);

        // She comes back: the same filter, then resume, in her first message.
        var second = await gateway.ConnectAsync("alice");
        var replies = await second.BatchAsync($$$"""[{"jsonrpc":"2.0","id":1,"method":"notify.unsubscribe","params":{"channels":["noise"]}},{"jsonrpc":"2.0","id":2,"method":"notify.resume","params":{"since":"{{{last}}}"}}]""");
        var result = replies.Single(r => r.GetProperty("id").GetInt32() == 2).GetProperty("result");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        await Wait.UntilAsync(() => second.Notifications.Count(n => n.TryGetProperty("id", out _)) >= result.GetProperty("replayed").GetInt32() + 20, "live traffic after the resume");
        await stop.CancelAsync();
        await background;
        var final = await PublishAsync("global", """{"event":"final"}""");
        await second.WaitForMessageAsync(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("params", out var p) && p.TryGetProperty("id", out var i) && i.GetString() == final, "the final notification");

        // Every durable notification alice was entitled to and allowed, from the first she saw to the last, exactly once.
        var expected = (await Db.StreamRangeAsync(RedisHistoryKeys.Stream))
            .Where(e => AliceMaySee(e["c"].ToString()))
            .Select(e => e.Id.ToString())
            .ToList();
        var seen = first.Notifications.Concat(second.Notifications)
            .Where(n => n.TryGetProperty("id", out _))
            .Select(n => Parse(n.GetProperty("id").GetString()!).EntryId)
            .ToList();
        var firstSeen = expected.IndexOf(seen[0]);
        Assert.Equal(expected[firstSeen..], seen);
        Assert.Contains(seen, s => s.EndsWith("-" + Parse(last).Sequence, StringComparison.Ordinal));

        // On the new connection the replay comes before the result (live ones held meanwhile follow the replay, and may
        // be released just before the result too): at least "replayed" notifications precede it.
        var messages = second.Messages;
        var resultIndex = messages.ToList().FindIndex(m => m.ValueKind == JsonValueKind.Array);
        var beforeResult = messages.Take(resultIndex).Count(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("params", out var p) && p.TryGetProperty("id", out _));
        var replayed = result.GetProperty("replayed").GetInt32();
        Assert.True(beforeResult >= replayed, $"{beforeResult} notifications before the result, {replayed} replayed");
        Assert.True(replayed >= 12, $"replayed {replayed}: the 20 missed include 12 alice may see");
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_client_resumes_on_the_other_replica()
    {
        await using var gatewayA = await GatewayHost.StartAsync(_redis);
        await using var gatewayB = await GatewayHost.StartAsync(_redis);
        await using var witnessOnB = await gatewayB.ConnectAsync("walter");
        var onA = await gatewayA.ConnectAsync("carol");
        await PublishAsync("global", """{"event":"seen"}""");
        var last = (await onA.WaitForEventAsync("seen")).GetProperty("id").GetString()!;
        await onA.DisposeAsync();

        var missed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add(await PublishAsync("global", $$"""{"event":"missed","data":{{i}}}"""));
        }

        // Replica B has fanned out all of them: its replay cannot be cut short by a fan-out still on its way.
        await FannedOutAsync(witnessOnB, missed[^1]);
        await using var onB = await gatewayB.ConnectAsync("carol");
        var result = await onB.CallAsync("notify.resume", $$"""{"since":"{{last}}"}""");
        Assert.True(result.GetProperty("result").GetProperty("recovered").GetBoolean());
        Assert.Equal(5, result.GetProperty("result").GetProperty("replayed").GetInt32());
        Assert.Equal(missed, onB.Notifications.Select(n => n.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_id_the_history_no_longer_holds_is_not_recovered_and_nothing_is_replayed()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        await using var witness = await gateway.ConnectAsync("witness");
        await witness.CallAsync("notify.subscribe", """{"channels":["global"]}""");
        var old = await PublishAsync("global", """{"event":"old"}""");
        await Db.HashSetAsync(RedisHistoryKeys.Meta, "max", 5);
        for (var i = 0; i < 10; i++)
        {
            await PublishAsync("global", $$"""{"event":"newer","data":{{i}}}""");
        }

        // All of them fanned out before dave connects: any "newer" he gets would have come from a replay.
        await witness.WaitForMessageAsync(m => m.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Number && d.GetInt32() == 9, "the last publish fanned out");
        await using var client = await gateway.ConnectAsync("dave");
        var result = (await client.CallAsync("notify.resume", $$"""{"since":"{{old}}"}""")).GetProperty("result");

        Assert.False(result.GetProperty("recovered").GetBoolean());
        Assert.Equal(0, result.GetProperty("replayed").GetInt32());
        Assert.DoesNotContain(client.Notifications, n => n.GetProperty("event").GetString() == "newer");
    }

    [Fact]
    public async Task After_Redis_lost_its_data_an_old_id_is_not_recovered()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        gateway.AllowedErrorCategories.Add("StackExchange.Redis");
        var before = await PublishAsync("global", """{"event":"before"}""");

        // Redis restarts empty (no persistence): a new history with a new epoch; its sequence starts again at 1. The
        // function library went with it: a publisher loads it again (NotificationPublisher does so by itself).
        await _redis.StopAsync();
        await _redis.RestartAsync();
        await Wait.UntilAsync(async () => await TryAsync(() => Db.PingAsync()), "Redis back");
        await new HistoryFunctionLoader(_connection, Options.Create(new HistoryOptions()), NullLogger<HistoryFunctionLoader>.Instance).LoadAsync();
        for (var i = 0; i < 3; i++)
        {
            await PublishAsync("global", """{"event":"after"}""");
        }

        await using var client = await gateway.ConnectAsync("erin");
        var result = (await client.CallAsync("notify.resume", $$"""{"since":"{{before}}"}""")).GetProperty("result");
        Assert.False(result.GetProperty("recovered").GetBoolean());
        Assert.Equal(0, result.GetProperty("replayed").GetInt32());
    }

    [Fact]
    public async Task When_live_notifications_went_first_a_resume_still_sends_each_missed_one_exactly_once()
    {
        // No initial hold: the client's resume comes after live traffic, as when its first message arrives late.
        await using var gateway = await GatewayHost.StartAsync(_redis, new Dictionary<string, string?> { ["Gateway:InitialHold"] = "00:00:00" });
        await using var witness = await gateway.ConnectAsync("walter");
        var before = await gateway.ConnectAsync("ivan");
        var seen = await PublishAsync("global", """{"event":"seen"}""");
        await before.WaitForEventAsync("seen");
        await before.DisposeAsync();
        var missed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add(await PublishAsync("global", $$"""{"event":"missed","data":{{i}}}"""));
        }

        // All missed ones fanned out before ivan is back: none can reach him live ahead of "live".
        await FannedOutAsync(witness, missed[^1]);
        await using var after = await gateway.ConnectAsync("ivan");
        var live = await PublishAsync("global", """{"event":"live"}""");
        await after.WaitForEventAsync("live");
        var result = (await after.CallAsync("notify.resume", $$"""{"since":"{{seen}}"}""")).GetProperty("result");

        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.Equal(5, result.GetProperty("replayed").GetInt32());
        Assert.Equal([live, .. missed], after.Notifications.Select(n => n.GetProperty("id").GetString()));

        // And nothing twice afterwards: the next live one follows once.
        var next = await PublishAsync("global", """{"event":"next"}""");
        await after.WaitForEventAsync("next");
        Assert.Equal([live, .. missed, next], after.Notifications.Select(n => n.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_invalid_durable_payload_reaches_nobody_and_resumes_across_it_still_work()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        var live = await gateway.ConnectAsync("hana");
        await live.CallAsync("notify.subscribe", """{"channels":["global"]}""");
        var a = await PublishAsync("global", """{"event":"a"}""");
        await PublishAsync("global", """{"no_event":true}""");
        var c = await PublishAsync("global", """{"event":"c"}""");

        await live.WaitForEventAsync("c");
        Assert.Equal([a, c], live.Notifications.Select(n => n.GetProperty("id").GetString()));

        await using var resumed = await gateway.ConnectAsync("hana");
        var result = (await resumed.CallAsync("notify.resume", $$"""{"since":"{{a}}"}""")).GetProperty("result");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.Equal(1, result.GetProperty("replayed").GetInt32());
        Assert.Equal([c], resumed.Notifications.Select(n => n.GetProperty("id").GetString()));
        await live.DisposeAsync();
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"since":""}""")]
    [InlineData("""{"since":5}""")]
    [InlineData("""{"since":null}""")]
    [InlineData("""{"since":"0123456789012345678901234567890123456789012345678901234567890123456789"}""")]
    public async Task A_bad_since_is_32602_naming_since(string parameters)
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        await using var client = await gateway.ConnectAsync("frank");

        var error = (await client.CallAsync("notify.resume", parameters)).GetProperty("error");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("since", error.GetProperty("data").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_well_formed_id_of_no_history_is_not_recovered()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis);
        await using var client = await gateway.ConnectAsync("gina");
        var result = (await client.CallAsync("notify.resume", """{"since":"not-an-id-we-ever-gave"}""")).GetProperty("result");
        Assert.False(result.GetProperty("recovered").GetBoolean());
    }

    private static bool AliceMaySee(string channel) => channel is "global" or "user:alice" or "agent:s_alice" or "approval";

    private static HistoryId Parse(string id) => HistoryId.TryParse(id, out var parsed) ? parsed.Value : throw new FormatException(id);

    private async Task<string> PublishAsync(string channel, string payload)
        => (string)(await Db.ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, channel, payload))!;

    private async Task PublishContinuouslyAsync(int perSecond, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var i = 0;
        while (await timer.WaitForNextTickAsync(cancellationToken).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }, TaskScheduler.Default))
        {
            await PublishAsync(i % 2 == 0 ? "global" : "noise", $$"""{"event":"tick","data":{{i++}}}""");
        }
    }

    /// <summary>
    /// Waits until <paramref name="witness"/> got the notification <paramref name="id"/>: the gateway has fanned it out,
    /// and every publish before it (one consumer, in order).
    /// </summary>
    private static Task<JsonElement> FannedOutAsync(TestClient witness, string id)
        => witness.WaitForMessageAsync(
            m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("id", out var i) && i.GetString() == id,
            $"notification {id} fanned out");

    private static async Task<bool> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }
}
