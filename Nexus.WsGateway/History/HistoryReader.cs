using Nexus.Contracts.History;
using StackExchange.Redis;

namespace Nexus.WsGateway.History;

/// <summary>One stored durable notification as Redis returns it: its id, channel and payload (without the id).</summary>
internal readonly record struct StoredNotification(HistoryId Id, string Channel, ReadOnlyMemory<byte> Payload);

/// <summary>The history stream in Redis (docs/protocol.md section 1.1), read through StackExchange.Redis.</summary>
internal sealed class HistoryReader(IConnectionMultiplexer redis) : IHistoryReader
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>The epoch of the history Redis holds now; null when it holds none (nothing was ever published, or it was lost).</summary>
    public async Task<string?> EpochAsync()
        => (string?)await Db.HashGetAsync(RedisHistoryKeys.Meta, "epoch");

    /// <summary>
    /// Whether the entry of <paramref name="id"/> is still in the stream. Trimming removes the oldest entries first and
    /// nothing else deletes any, so when it is, every entry after it is too.
    /// </summary>
    public async Task<bool> ContainsAsync(HistoryId id)
        => (await Db.StreamRangeAsync(RedisHistoryKeys.Stream, id.EntryId, id.EntryId, 1)).Length == 1;

    /// <summary>Up to <see cref="IHistoryReader.PageSize"/> entries after <paramref name="after"/> (exclusive) up to <paramref name="before"/> (exclusive), oldest first.</summary>
    public async Task<IReadOnlyList<StoredNotification>> ReadAsync(HistoryId after, HistoryId? before)
    {
        var entries = await Db.StreamRangeAsync(
            RedisHistoryKeys.Stream,
            "(" + after.EntryId,
            before is { } b ? "(" + b.EntryId : "+",
            IHistoryReader.PageSize);
        var page = new List<StoredNotification>(entries.Length);
        foreach (var entry in entries)
        {
            if (HistoryId.TryFromEntry(after.Epoch, entry.Id.ToString(), out var id))
            {
                page.Add(new StoredNotification(id.Value, entry["c"].ToString(), (ReadOnlyMemory<byte>)entry["p"]));
            }
        }

        return page;
    }
}
