using Nexus.Bench.LoadGen.Scenarios;

namespace Nexus.Bench.Tests.Scenarios;

/// <summary>Missing messages are counted over every client that connected, so dropping a client never improves a score.</summary>
public sealed class DeliveryCountsTests
{
    [Fact]
    public void A_client_the_server_dropped_still_counts_what_it_missed()
    {
        var kept = Client(received: 10);
        var dropped = Client(received: 4);
        dropped.MarkClosed("closed 1013 too slow");

        var counts = DeliveryCounts.Of([kept, dropped], published: 10);

        Assert.Equal(14, counts.Deliveries);
        Assert.Equal(6, counts.Missing);
        Assert.Equal(1, counts.Disconnected);
        Assert.Equal(1, counts.ClientsWithGaps);
        Assert.Equal("closed 1013 too slow", counts.FirstCloseReason);
    }

    [Fact]
    public void Clients_that_never_connected_are_not_counted()
    {
        var never = new ClientState(10);

        var counts = DeliveryCounts.Of([Client(received: 10), never], published: 10);

        Assert.Equal(0, counts.Missing);
        Assert.Equal(0, counts.ClientsWithGaps);
    }

    [Fact]
    public void Duplicates_reordering_and_unpublished_seqs_are_counted_per_client()
    {
        var client = new ClientState(4) { Connected = true };
        foreach (var seq in new long[] { 0, 2, 1, 2, 3, 9 })
        {
            client.Mark(seq, now: 1);
        }

        var counts = DeliveryCounts.Of([client], published: 4);

        Assert.Equal(4, counts.Deliveries);
        Assert.Equal(0, counts.Missing);
        Assert.Equal(1, counts.Duplicates);
        Assert.Equal(1, counts.OutOfOrder);
        Assert.Equal(1, counts.Unexpected);
        Assert.Equal(1, counts.ClientsWithGaps);
    }

    private static ClientState Client(int received)
    {
        var state = new ClientState(10) { Connected = true };
        for (var seq = 0; seq < received; seq++)
        {
            state.Mark(seq, now: 1);
        }

        return state;
    }
}
