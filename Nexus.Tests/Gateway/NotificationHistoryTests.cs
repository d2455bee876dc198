using Nexus.Contracts.History;
using Nexus.WsGateway.History;

namespace Nexus.Tests.Gateway;

/// <summary>The gateway's in-memory history (pure logic): placement of ids, ordinals across epochs, bounds, and what a resume may take from it.</summary>
public sealed class NotificationHistoryTests
{
    [Fact]
    public void Ids_are_placed_as_next_duplicate_or_gap()
    {
        var history = new NotificationHistory(100, 1 << 20);
        Assert.Equal(HistoryPlacement.Next, history.Place(Id("e1", 1)));
        history.Append(Id("e1", 1), "global", [1]);
        Assert.Equal(HistoryPlacement.Next, history.Place(Id("e1", 2)));
        Assert.Equal(HistoryPlacement.Duplicate, history.Place(Id("e1", 1)));
        Assert.Equal(HistoryPlacement.Gap, history.Place(Id("e1", 5)));
        Assert.Equal(HistoryPlacement.Next, history.Place(Id("e2", 1)));
    }

    [Fact]
    public void Ordinals_grow_within_a_history_and_from_one_history_to_the_next()
    {
        var history = new NotificationHistory(100, 1 << 20);
        var a = history.Append(Id("e1", 1), "global", [1]).Ordinal;
        var b = history.Append(Id("e1", 2), "global", [1]).Ordinal;
        var c = history.Append(Id("e2", 1), "global", [1]).Ordinal;
        Assert.True(a < b && b < c);
        Assert.Null(history.OrdinalOf(Id("e1", 3)));
        Assert.Equal(c, history.OrdinalOf(Id("e2", 1)));
        Assert.Equal(1, history.Count); // a new epoch starts the cache again
    }

    [Fact]
    public void The_cache_keeps_a_contiguous_run_within_its_bounds()
    {
        var history = new NotificationHistory(maxEntries: 3, maxBytes: 1 << 20);
        for (var i = 1; i <= 5; i++)
        {
            history.Append(Id("e", i), "global", [1]);
        }

        var after = new List<HistoryEntry>();
        Assert.True(history.TryGetAfter(Id("e", 2), long.MaxValue, after));
        Assert.Equal([3L, 4L, 5L], after.Select(e => e.Id.Sequence));
        Assert.False(history.TryGetAfter(Id("e", 1), long.MaxValue, new List<HistoryEntry>()));

        history.Append(Id("e", 9), "global", [1]); // a gap that could not be filled: the cache starts again
        Assert.False(history.TryGetAfter(Id("e", 5), long.MaxValue, new List<HistoryEntry>()));
        Assert.Equal(1, history.Count);
    }

    [Fact]
    public void The_cache_drops_its_oldest_frames_past_its_byte_bound()
    {
        var history = new NotificationHistory(maxEntries: 100, maxBytes: 250);
        for (var i = 1; i <= 5; i++)
        {
            history.Append(Id("e", i), "global", new byte[100]);
        }

        Assert.Equal(2, history.Count);
    }

    private static HistoryId Id(string epoch, long sequence) => new(epoch, 1000 + sequence, sequence);
}
