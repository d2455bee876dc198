using System.Diagnostics;

namespace Nexus.Bench.LoadGen.Scenarios.Storm;

/// <summary>
/// One client of the reconnect storm, across its two connections. Each field is written by one receive loop at a time
/// (the first connection's, then the reconnection's) or by the reconnect task before that loop starts.
/// </summary>
internal sealed class StormClient(int missed, int capacity)
{
    private readonly byte[] _lastId = new byte[Nexus.Contracts.History.HistoryId.MaxLength];
    private int _lastIdLength;
    private int _missedReceived;

    // The first connection.

    /// <summary>The first connection was made; from then on every notification published counts for this client.</summary>
    public bool FirstConnected => Deliveries.Connected;

    /// <summary>Highest warm-up index received on the first connection; -1 before the first.</summary>
    public int WarmLast { get; private set; } = -1;

    /// <summary>The id of that notification, as it came on the wire: what the client resumes from.</summary>
    public ReadOnlySpan<byte> LastId => _lastId.AsSpan(0, _lastIdLength);

    /// <summary>Why the first connection ended before the benchmark ended it (an unexpected disconnect).</summary>
    public string? FirstCloseReason { get; set; }

    // The reconnection.

    /// <summary>What the reconnection received: seq 0 .. missed-1 are the missed notifications, the rest live ones.</summary>
    public ClientState Deliveries { get; } = new(capacity);

    public long ReconnectStart { get; set; }

    public long UpgradedAt { get; set; }

    public string? ReconnectError { get; set; }

    public long ResultAt { get; private set; }

    public bool? Recovered { get; private set; }

    public long? Replayed { get; private set; }

    /// <summary>
    /// Notifications received before the resume result: the replayed ones, then live ones held while it ran (released
    /// before the result is written), so at least <c>replayed</c>.
    /// </summary>
    public long BeforeResult { get; private set; }

    /// <summary>When the last of the missed notifications arrived (all of them then received once).</summary>
    public long MissedAt { get; private set; }

    public long RecoveredAt { get; private set; }

    /// <summary>Notifications at or before the resume point (warm-up ones) received again after the reconnect.</summary>
    public long Stale { get; private set; }

    public long IdMismatches { get; private set; }

    public string? ErrorReply { get; private set; }

    public int Results { get; private set; }

    /// <summary>The seq of the first notification on the reconnection (-1 before one came): 0 unless something came before the replay.</summary>
    public long FirstSeq { get; private set; } = -1;

    /// <summary>Notifications received on the reconnection, repeats included.</summary>
    public long Notifications { get; private set; }

    /// <summary>
    /// Done, one way or the other: recovered; or it never will (no connection, closed, an error, <c>recovered: false</c>).
    /// A client whose result came but whose missed notifications do not is settled only by the deadline.
    /// </summary>
    public bool Settled => RecoveredAt != 0 || ReconnectError is not null || Deliveries.Closed || ErrorReply is not null || Recovered == false;

    public double? RecoverMilliseconds => RecoveredAt == 0 ? null : Stopwatch.GetElapsedTime(ReconnectStart, RecoveredAt).TotalMilliseconds;

    public double? UpgradeMilliseconds => UpgradedAt == 0 ? null : Stopwatch.GetElapsedTime(ReconnectStart, UpgradedAt).TotalMilliseconds;

    public void MarkFirstConnected() => Deliveries.Connected = true;

    /// <summary>A warm-up notification on the first connection: keeps the id of the latest.</summary>
    public void OnWarm(int index, ReadOnlySpan<byte> id)
    {
        if (index < WarmLast || id.Length > _lastId.Length)
        {
            return;
        }

        WarmLast = index;
        id.CopyTo(_lastId);
        _lastIdLength = id.Length;
    }

    /// <summary>A notification on the reconnection; <paramref name="idMatches"/> says whether its id is the one published.</summary>
    /// <returns>
    /// True when it is a live notification new to this client and published after the client was connected again: its
    /// publish-to-receive latency means something (one published while the client was away is part of its replay).
    /// </returns>
    public bool OnNotification(long seq, bool idMatches, long sentTimestamp, long now)
    {
        if (ResultAt == 0)
        {
            BeforeResult++;
        }

        if (Notifications++ == 0)
        {
            FirstSeq = seq;
        }

        if (seq < 0)
        {
            Stale++;
            return false;
        }

        if (!idMatches)
        {
            IdMismatches++;
        }

        if (!Deliveries.Mark(seq, now))
        {
            return false;
        }

        if (seq < missed && ++_missedReceived == missed)
        {
            MissedAt = now;
            TryRecover();
        }

        return seq >= missed && sentTimestamp >= UpgradedAt;
    }

    public void OnResult(bool recovered, long replayed, long now)
    {
        Results++;
        if (ResultAt != 0)
        {
            return;
        }

        ResultAt = now;
        Recovered = recovered;
        Replayed = replayed;
        TryRecover();
    }

    public void OnError(string reply) => ErrorReply ??= reply;

    private void TryRecover()
    {
        if (RecoveredAt == 0 && Recovered == true && (MissedAt != 0 || missed == 0))
        {
            RecoveredAt = Math.Max(ResultAt, MissedAt);
        }
    }
}
