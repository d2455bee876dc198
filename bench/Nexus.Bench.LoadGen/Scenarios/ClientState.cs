namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>What one client received in one run; written only by that client's receive loop.</summary>
internal sealed class ClientState(int messages)
{
    private readonly ulong[] _seen = new ulong[(messages + 63) / 64];

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    public long Unexpected { get; private set; }

    public long LastSeq { get; private set; } = -1;

    public long LastReceive { get; private set; }

    /// <summary>Highest warm-up index seen; -1 before the first.</summary>
    public int WarmLast { get; private set; } = -1;

    public bool Connected { get; set; }

    public string? CloseReason { get; private set; }

    public bool Closed => CloseReason is not null;

    /// <summary>Returns true when <paramref name="seq"/> is new to this client; one at or past the run's message count was never published.</summary>
    public bool Mark(long seq, long now)
    {
        LastReceive = now;
        if (seq >= messages)
        {
            Unexpected++;
            return false;
        }

        ref var word = ref _seen[seq >> 6];
        var bit = 1UL << (int)(seq & 63);
        if ((word & bit) != 0)
        {
            Duplicates++;
            return false;
        }

        word |= bit;
        Received++;
        if (seq < LastSeq)
        {
            OutOfOrder++;
        }
        else
        {
            LastSeq = seq;
        }

        return true;
    }

    public void MarkWarm(int index) => WarmLast = Math.Max(WarmLast, index);

    public void MarkClosed(string reason) => CloseReason = reason;
}
