namespace Nexus.WsGateway.Connections;

internal sealed partial class GatewayConnection
{
    // Resume (docs/protocol.md section 4.2). While _holding, notifications from the fan-out wait in _held instead of
    // going out, so that a replay can go first; durable ones up to _floor were replayed and are never sent again.
    // _holding is set only by the fan-out thread (between two messages, through FanoutCommands) or at construction, and
    // cleared under _holdGate after the held ones were sent, so nothing overtakes a replay and nothing is lost.
    private readonly Lock _holdGate = new();
    private volatile bool _holding;
    private long _floor;

    // Every durable notification this connection was entitled to between these two ordinals was sent to it, live or in a
    // replay: sends go up one by one, and a resume fills what lies around the range, so it stays one piece.
    private long _firstSentOrdinal;
    private long _lastSentOrdinal;
    private int _resuming;
    private List<(ReadOnlyMemory<byte> Frame, long Ordinal, string Channel)>? _held;
    private long _heldBytes;
    private ITimer? _initialHold;
    private int _firstMessagePending;

    /// <summary>
    /// The durable notifications this connection has had: every one it was entitled to from <c>From</c> to <c>Through</c>
    /// (none when <c>From</c> is 0). Read by a resume once the connection holds, when nothing else changes it.
    /// </summary>
    public (long From, long Through) SentRange => (Volatile.Read(ref _firstSentOrdinal), Volatile.Read(ref _lastSentOrdinal));

    /// <summary>After a replay that covered <paramref name="from"/> to <paramref name="through"/> (while holding).</summary>
    public void RecordReplay(long from, long through)
    {
        if (_firstSentOrdinal == 0 || from < _firstSentOrdinal)
        {
            Volatile.Write(ref _firstSentOrdinal, from);
        }

        if (through > _lastSentOrdinal)
        {
            Volatile.Write(ref _lastSentOrdinal, through);
        }
    }

    public bool SendNotification(ReadOnlyMemory<byte> frame, long ordinal, string channel, WriteBatch? batch)
    {
        if (_holding && TryHold(frame, ordinal, channel))
        {
            return true;
        }

        if (ordinal != 0 && ordinal <= Volatile.Read(ref _floor))
        {
            return false;
        }

        if (!Send(frame, batch))
        {
            return false;
        }

        if (ordinal != 0)
        {
            Sent(ordinal);
        }

        return true;
    }

    private void Sent(long ordinal)
    {
        if (_firstSentOrdinal == 0)
        {
            Volatile.Write(ref _firstSentOrdinal, ordinal);
        }

        Volatile.Write(ref _lastSentOrdinal, ordinal);
    }

    /// <summary>Starts holding notifications. Called by the fan-out thread between two messages (FanoutCommands).</summary>
    public void BeginHold()
    {
        lock (_holdGate)
        {
            _holding = true;
        }
    }

    /// <summary>Marks a resume as running: the initial hold's timer and first message leave the hold to it.</summary>
    public void EnterResume() => Interlocked.Increment(ref _resuming);

    /// <summary>
    /// Sends what was held, except durable notifications up to <paramref name="floor"/> (replayed already), and from now
    /// on never sends one up to it; then stops holding.
    /// </summary>
    public void EndResume(long floor)
    {
        Interlocked.Decrement(ref _resuming);
        Release(floor);
    }

    /// <summary>
    /// Sends one replayed notification, waiting while the writer holds more than half of <c>Gateway:MaxQueuedBytes</c>, so
    /// that a long replay keeps the same bound as live traffic; false when the connection is closing.
    /// </summary>
    public async ValueTask<bool> SendReplayedAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var half = _services.Options.MaxQueuedBytes / 2;
        var waitedSince = _services.Time.GetTimestamp();
        while (_writer.QueuedBytes + frame.Length > half && _writer.QueuedBytes > 0)
        {
            if (_writer.IsClosing)
            {
                return false;
            }

            if (_services.Time.GetElapsedTime(waitedSince) > _services.Options.CloseTimeout)
            {
                // The client reads nothing of its replay: as far behind as a slow client, and closed the same way.
                CloseAsSlow(frame.Length);
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), _services.Time, cancellationToken);
        }

        return Send(frame, batch: null);
    }

    /// <summary>
    /// The initial hold of a new connection (<c>Gateway:InitialHold</c>): its first message may be a resume. One that
    /// declared it will resume waits for that message up to <c>Gateway:ResumeHold</c> instead.
    /// </summary>
    private void StartInitialHold(bool resumeDeclared)
    {
        var hold = resumeDeclared ? _services.Options.ResumeHold : _services.Options.InitialHold;
        if (hold <= TimeSpan.Zero)
        {
            return;
        }

        _holding = true;
        _firstMessagePending = 1;
        _initialHold = _services.Time.CreateTimer(static state => ((GatewayConnection)state!).EndInitialHold(), this, hold, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The first frame of the first message has arrived: the hold now lasts until that message was handled, however
    /// long a busy gateway takes to get to it. Only a client that sends nothing waits for the timer (a client that
    /// resumes in its first message would otherwise get live notifications before the ones it missed, under load).
    /// </summary>
    private void FirstMessageArriving()
    {
        // Called for every message: the plain read keeps the interlocked exchange to the first one.
        if (Volatile.Read(ref _initialHold) is not null && Interlocked.Exchange(ref _initialHold, null) is { } timer)
        {
            timer.Dispose();
            Log.FirstMessageArriving(_services.Logger, Client.ConnectionId);
        }
    }

    /// <summary>After the first message was handled (a resume in it replayed and released by itself).</summary>
    private void FirstMessageHandled()
    {
        if (Interlocked.Exchange(ref _firstMessagePending, 0) == 1)
        {
            EndInitialHold();
        }
    }

    /// <summary>When the first message was handled, or the initial hold ran out with nothing received.</summary>
    private void EndInitialHold()
    {
        Interlocked.Exchange(ref _initialHold, null)?.Dispose();
        Volatile.Write(ref _firstMessagePending, 0);
        if (Volatile.Read(ref _resuming) == 0)
        {
            Release(floor: 0);
        }
    }

    private bool TryHold(ReadOnlyMemory<byte> frame, long ordinal, string channel)
    {
        lock (_holdGate)
        {
            if (!_holding)
            {
                return false;
            }

            _held ??= [];
            _held.Add((frame, ordinal, channel));
            _heldBytes += frame.Length;
            if (_heldBytes <= _services.Options.MaxQueuedBytes)
            {
                return true;
            }
        }

        // Held past the queue limit: as far behind as a slow client, and closed the same way (docs/protocol.md section 3).
        CloseAsSlow(frame.Length);
        return false;
    }

    private void Release(long floor)
    {
        lock (_holdGate)
        {
            if (floor > _floor)
            {
                Volatile.Write(ref _floor, floor);
            }

            if (_held is { } held)
            {
                _held = null;
                _heldBytes = 0;
                foreach (var (frame, ordinal, channel) in held)
                {
                    // Replayed already; or filtered out by a filter changed while it waited (the same batch as a resume).
                    if ((ordinal != 0 && ordinal <= _floor) || !Client.Filter.Allows(channel))
                    {
                        continue;
                    }

                    if (Send(frame, batch: null) && ordinal != 0)
                    {
                        Sent(ordinal);
                    }
                }
            }

            _holding = false;
        }
    }
}
