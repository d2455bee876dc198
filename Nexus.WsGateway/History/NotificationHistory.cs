using Nexus.Contracts.History;

namespace Nexus.WsGateway.History;

/// <summary>
/// The recent history this gateway delivered, in memory (docs/protocol.md sections 1.1 and 4.2, issue 12): what the fan-out
/// sends live is kept here, frame and all, so that a resume replays from memory instead of reading Redis once per client.
/// It holds a contiguous run of one history (no missing sequence number), bounded by
/// <c>Gateway:HistoryCacheEntries</c> and <c>Gateway:HistoryCacheBytes</c>; older entries are read from Redis.
/// </summary>
/// <remarks>
/// One writer, the fan-out consumer, appends; resumes read under the same lock, copying references only. An entry's
/// <see cref="HistoryEntry.Ordinal"/> is <c>generation &lt;&lt; 40 | seq</c>: increasing within one history and from one
/// history to the next (the generation counts the epochs this process saw), so a connection can remember the last one it
/// was sent as a single number.
/// </remarks>
internal sealed class NotificationHistory(int maxEntries, long maxBytes)
{
    private const int SequenceBits = 40;

    private readonly Lock _gate = new();
    private readonly Queue<HistoryEntry> _entries = new();
    private long _bytes;
    private int _generation;
    private string? _epoch;
    private HistoryId? _last;

    /// <summary>The epoch of the history last seen live, or null before the first durable notification.</summary>
    public string? Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>The ordinal of the last appended entry; 0 before the first.</summary>
    public long TailOrdinal
    {
        get
        {
            lock (_gate)
            {
                return _last is { } last ? OrdinalOf(last.Sequence) : 0;
            }
        }
    }

    /// <summary>The id of the last appended entry.</summary>
    public HistoryId? Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The ordinal <paramref name="id"/> has (or will have) in this process, or null when it is of another history.</summary>
    public long? OrdinalOf(HistoryId id)
    {
        lock (_gate)
        {
            return _epoch == id.Epoch ? OrdinalOf(id.Sequence) : null;
        }
    }

    /// <summary>
    /// Takes <paramref name="epoch"/> (read from Redis) as the current history before any durable notification arrived
    /// live, so that entries read from Redis get the ordinals live ones will have. True when it is (now) the current one.
    /// </summary>
    public bool Adopt(string epoch)
    {
        lock (_gate)
        {
            _epoch ??= epoch;
            return _epoch == epoch;
        }
    }

    /// <summary>Where <paramref name="id"/> stands against the last appended entry.</summary>
    public HistoryPlacement Place(HistoryId id)
    {
        lock (_gate)
        {
            if (_last is not { } last || last.Epoch != id.Epoch)
            {
                return HistoryPlacement.Next;
            }


            return id.Sequence <= last.Sequence ? HistoryPlacement.Duplicate
                : id.Sequence == last.Sequence + 1 ? HistoryPlacement.Next
                : HistoryPlacement.Gap;
        }
    }

    /// <summary>
    /// Appends the entry for <paramref name="id"/>. A new epoch (Redis lost its history) starts a new generation; a gap
    /// that could not be filled empties the cache, which must stay contiguous.
    /// </summary>
    public HistoryEntry Append(HistoryId id, string channel, byte[] frame)
    {
        lock (_gate)
        {
            if (_epoch != id.Epoch)
            {
                if (_epoch is not null)
                {
                    _generation++;
                }

                _epoch = id.Epoch;
                Clear();
            }
            else if (_last is not { } last)
            {
                Clear();
            }
            else if (id.Sequence != last.Sequence + 1)
            {
                Clear();
            }

            var entry = new HistoryEntry(OrdinalOf(id.Sequence), id, channel, frame);
            _entries.Enqueue(entry);
            _bytes += frame.Length;
            while (_entries.Count > maxEntries || (_bytes > maxBytes && _entries.Count > 1))
            {
                _bytes -= _entries.Dequeue().Frame.Length;
            }

            _last = id;
            return entry;
        }
    }

    /// <summary>
    /// The entries after <paramref name="since"/> up to <paramref name="upToOrdinal"/>, when this cache holds every one of
    /// them (<paramref name="since"/> is of the current history and not older than the cache's first entry minus one).
    /// </summary>
    public bool TryGetAfter(HistoryId since, long upToOrdinal, List<HistoryEntry> into)
    {
        lock (_gate)
        {
            if (_last is not { } last || last.Epoch != since.Epoch)
            {
                return false;
            }

            if (since.Sequence >= last.Sequence)
            {
                return true;
            }

            if (_entries.Count == 0 || _entries.Peek().Id.Sequence > since.Sequence + 1)
            {
                return false;
            }

            foreach (var entry in _entries)
            {
                if (entry.Id.Sequence > since.Sequence && entry.Ordinal <= upToOrdinal)
                {
                    into.Add(entry);
                }
            }

            return true;
        }
    }

    /// <summary>The first entry the cache holds, to know where a read from Redis must stop.</summary>
    public HistoryEntry? First
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count > 0 ? _entries.Peek() : null;
            }
        }
    }

    private long OrdinalOf(long sequence) => ((long)_generation << SequenceBits) | sequence;

    private void Clear()
    {
        _entries.Clear();
        _bytes = 0;
    }
}
