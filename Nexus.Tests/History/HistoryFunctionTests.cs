using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Contracts.History;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;
using StackExchange.Redis;

namespace Nexus.Tests.History;

/// <summary>
/// The Redis Function <c>nexus_publish</c> on a real redis-server (docs/protocol.md section 1.1): one atomic append and
/// publish, the id returned and carried by the published payload, dense sequence numbers, trimming, and a new epoch
/// once Redis lost its data.
/// </summary>
public sealed class HistoryFunctionTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private NotifyRecorder _events = null!;

    private IDatabase Db => _connection.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await _redis.ConnectAsync();
        _events = await NotifyRecorder.StartAsync(_redis);
        await LoaderFor(new HistoryOptions()).LoadAsync();
    }

    public async Task DisposeAsync()
    {
        await _events.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Publish_appends_publishes_with_the_id_first_and_returns_the_id()
    {
        var id = await PublishAsync("user:alice", """{"event":"e1","data":{"n":1}}""");
        var empty = await PublishAsync("global", "{ }");

        Assert.True(HistoryId.TryParse(id, out var parsed));
        var first = await _events.WaitForAsync(n => n.Event == "e1", "the published payload");
        Assert.Equal("nexus:notify:user:alice", first.RedisChannel);
        Assert.Equal(id, first.Payload.GetProperty("id").GetString());
        Assert.Equal("id", first.Payload.EnumerateObject().First().Name);
        Assert.Equal(1, first.Payload.GetProperty("data").GetProperty("n").GetInt32());
        await _events.WaitForAsync(n => n.Payload.TryGetProperty("id", out var i) && i.GetString() == empty && n.Payload.EnumerateObject().Count() == 1, "{} published as {\"id\":...}");

        var entries = await Db.StreamRangeAsync(RedisHistoryKeys.Stream);
        Assert.Equal(2, entries.Length);
        Assert.Equal(parsed.Value.EntryId, entries[0].Id.ToString());
        Assert.Equal("user:alice", entries[0]["c"].ToString());
        Assert.Equal("""{"event":"e1","data":{"n":1}}""", entries[0]["p"].ToString());
    }

    [Fact]
    public async Task Sequence_numbers_are_dense_and_ids_grow()
    {
        var ids = new List<HistoryId>();
        for (var i = 0; i < 50; i++)
        {
            Assert.True(HistoryId.TryParse(await PublishAsync(i % 2 == 0 ? "global" : "approval", $$"""{"event":"e","data":{{i}}}"""), out var id));
            ids.Add(id.Value);
        }

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), ids.Select(i => i.Sequence));
        Assert.Single(ids.Select(i => i.Epoch).Distinct());
        Assert.True(ids.Zip(ids.Skip(1)).All(p => p.Second.Milliseconds >= p.First.Milliseconds));
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("")]
    public async Task A_payload_that_is_not_an_object_is_refused_and_nothing_is_stored(string payload)
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(() => PublishAsync("global", payload));
        Assert.Contains("JSON object", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await Db.StreamLengthAsync(RedisHistoryKeys.Stream));
    }

    [Fact]
    public async Task The_history_keeps_at_most_MaxEntries()
    {
        await LoaderFor(new HistoryOptions { MaxEntries = 100 }).LoadAsync();
        for (var i = 0; i < 1000; i++)
        {
            await PublishAsync("global", """{"event":"e"}""");
        }

        Assert.Equal(100, await Db.StreamLengthAsync(RedisHistoryKeys.Stream));
        var last = (await Db.StreamRangeAsync(RedisHistoryKeys.Stream, "-", "+", 1, Order.Descending))[0];
        Assert.EndsWith("-1000", last.Id.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_history_drops_what_is_older_than_the_window()
    {
        // Entries written as if published an hour ago, then one publish with a one-minute window trims them.
        await Db.StreamAddAsync(RedisHistoryKeys.Stream, [new("c", "global"), new("p", "{}")], $"{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}-0");
        await LoaderFor(new HistoryOptions { Window = TimeSpan.FromMinutes(1) }).LoadAsync();
        for (var i = 0; i < 200; i++)
        {
            await Db.StreamAddAsync(RedisHistoryKeys.Stream, [new("c", "global"), new("p", "{}")], $"{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}-{i + 1}");
        }

        var id = await PublishAsync("global", """{"event":"fresh"}""");

        var entries = await Db.StreamRangeAsync(RedisHistoryKeys.Stream);
        Assert.Equal(HistoryId.TryParse(id, out var fresh) ? fresh.Value.EntryId : "", Assert.Single(entries).Id.ToString());
    }

    [Fact]
    public async Task After_Redis_lost_its_data_the_history_starts_again_with_a_new_epoch()
    {
        Assert.True(HistoryId.TryParse(await PublishAsync("global", """{"event":"before"}"""), out var before));

        await Db.ExecuteAsync("FLUSHALL");
        await Db.ExecuteAsync("FUNCTION", "FLUSH");
        await LoaderFor(new HistoryOptions()).LoadAsync();
        Assert.True(HistoryId.TryParse(await PublishAsync("global", """{"event":"after"}"""), out var after));

        Assert.NotEqual(before.Value.Epoch, after.Value.Epoch);
        Assert.Equal(1, after.Value.Sequence);
    }

    [Fact]
    public async Task The_publisher_loads_the_library_again_when_Redis_lost_it()
    {
        await Db.ExecuteAsync("FUNCTION", "FLUSH");
        var publisher = new Nexus.Contracts.Publishing.NotificationPublisher(_connection, NullLogger<Nexus.Contracts.Publishing.NotificationPublisher>.Instance, TimeProvider.System);

        var id = await publisher.PublishAsync("global", "after.flush", JsonDocument.Parse("{}").RootElement);

        Assert.True(HistoryId.TryParse(id, out _));
        Assert.Equal(1, await Db.StreamLengthAsync(RedisHistoryKeys.Stream));
    }

    private async Task<string> PublishAsync(string channel, string payload)
        => (string)(await Db.ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, channel, payload))!;

    private HistoryFunctionLoader LoaderFor(HistoryOptions options)
        => new(_connection, Options.Create(options), NullLogger<HistoryFunctionLoader>.Instance);
}
