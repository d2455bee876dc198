namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>
/// What the clients of one run received against what was published, over <b>every client that connected</b> (issue 16
/// item 4): a client the server closed or dropped still counts every message it did not get as missing, so a server that
/// drops clients cannot score better than one that keeps them.
/// </summary>
internal readonly record struct DeliveryCounts(
    long Deliveries,
    long Missing,
    long Duplicates,
    long OutOfOrder,
    long Unexpected,
    int ClientsWithGaps,
    int Disconnected,
    string? FirstCloseReason)
{
    public static DeliveryCounts Of(IEnumerable<ClientState> states, long published)
    {
        long deliveries = 0, missing = 0, duplicates = 0, outOfOrder = 0, unexpected = 0;
        int withGaps = 0, disconnected = 0;
        string? firstClose = null;
        foreach (var s in states)
        {
            if (!s.Connected)
            {
                continue;
            }

            var lost = Math.Max(0, published - s.Received);
            deliveries += s.Received;
            missing += lost;
            duplicates += s.Duplicates;
            outOfOrder += s.OutOfOrder;
            unexpected += s.Unexpected;
            if (lost > 0 || s.Duplicates > 0 || s.OutOfOrder > 0 || s.Unexpected > 0)
            {
                withGaps++;
            }

            if (s.Closed)
            {
                disconnected++;
                firstClose ??= s.CloseReason;
            }
        }

        return new DeliveryCounts(deliveries, missing, duplicates, outOfOrder, unexpected, withGaps, disconnected, firstClose);
    }
}
