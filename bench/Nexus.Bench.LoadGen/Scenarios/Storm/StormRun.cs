using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Nexus.Bench.LoadGen.Clients;
using Nexus.Bench.LoadGen.Measure;

namespace Nexus.Bench.LoadGen.Scenarios.Storm;

/// <summary>
/// Book-keeping of one reconnect storm: every client's state, the sinks of its two connections, the ids the durable
/// publish returned, and the latency of the live notifications.
/// </summary>
internal sealed class StormRun : IDisposable
{
    private byte[] _epochPrefix = [];
    private long _idBase;
    private volatile bool _firstEnding;
    private volatile bool _stormEnding;

    public StormRun(int clients, int missed, int capacity)
    {
        Missed = missed;
        Capacity = capacity;
        Clients = new StormClient[clients];
        for (var i = 0; i < clients; i++)
        {
            Clients[i] = new StormClient(missed, capacity);
        }

        FirstSink = new FirstConnectionSink(this);
        StormSink = new ReconnectionSink(this);
    }

    public StormClient[] Clients { get; }

    public int Missed { get; }

    /// <summary>Highest seq + 1 that may be published (the missed ones, then live ones).</summary>
    public int Capacity { get; }

    public IDeliverySink FirstSink { get; }

    public IDeliverySink StormSink { get; }

    public LatencyRecorder LiveLatency { get; } = new();

    /// <summary>From now on the first connections are being closed by the benchmark: their ends are expected.</summary>
    public void EndFirstConnections() => _firstEnding = true;

    /// <summary>From now on the reconnections are being closed by the benchmark.</summary>
    public void EndReconnections() => _stormEnding = true;

    /// <summary>True when every client that connected has warm-up notification <paramref name="index"/> or a later one.</summary>
    public bool AllWarm(int index) => Clients.All(c => !c.FirstConnected || c.FirstCloseReason is not null || c.WarmLast >= index);

    /// <summary>
    /// The ids of seq 0 onwards are <paramref name="epoch"/>:ms-(<paramref name="baseSequence"/> + seq): the history's
    /// sequence is dense and the benchmark is its only publisher, so each notification's id can be checked on arrival,
    /// even before the publisher's reply with it was read.
    /// </summary>
    public void SetIds(string epoch, long baseSequence)
    {
        _epochPrefix = Encoding.UTF8.GetBytes(epoch + ":");
        _idBase = baseSequence;
    }

    /// <summary>True when <paramref name="id"/> is the id the durable publish gave <paramref name="seq"/>.</summary>
    public bool IdMatches(ReadOnlySpan<byte> id, long seq)
    {
        if (!id.StartsWith(_epochPrefix))
        {
            return false;
        }

        var dash = id.LastIndexOf((byte)'-');
        return dash > _epochPrefix.Length
               && Utf8Parser.TryParse(id[(dash + 1)..], out long sequence, out var consumed)
               && consumed == id.Length - dash - 1
               && sequence == _idBase + seq;
    }

    public void Dispose() => LiveLatency.Dispose();

    /// <summary>The first connection: warm-up notifications, each client keeping the id of its latest.</summary>
    private sealed class FirstConnectionSink(StormRun run) : IDeliverySink
    {
        public void OnMessage(int client, ReadOnlySpan<byte> message)
        {
            var m = StormMessage.Parse(message);
            if (m.Kind == StormMessageKind.Notification && m.Seq < 0)
            {
                run.Clients[client].OnWarm((int)(-1 - m.Seq), m.Id);
            }
        }

        public void OnDelivery(int client, long seq, long sentTimestamp)
        {
            // Not called: OnMessage reads each message itself.
        }

        public void OnClosed(int client, string reason)
        {
            if (!run._firstEnding)
            {
                run.Clients[client].FirstCloseReason ??= reason;
            }
        }
    }

    /// <summary>The reconnection: the replay, the resume result, then live notifications.</summary>
    private sealed class ReconnectionSink(StormRun run) : IDeliverySink
    {
        public void OnMessage(int client, ReadOnlySpan<byte> message)
        {
            var state = run.Clients[client];
            var m = StormMessage.Parse(message);
            var now = Stopwatch.GetTimestamp();
            switch (m.Kind)
            {
                case StormMessageKind.Notification:
                    if (state.OnNotification(m.Seq, m.Seq >= 0 && run.IdMatches(m.Id, m.Seq), m.Sent, now))
                    {
                        run.LiveLatency.Record((long)Stopwatch.GetElapsedTime(m.Sent, now).TotalMicroseconds);
                    }

                    break;
                case StormMessageKind.ResumeResult:
                    state.OnResult(m.Recovered, m.Replayed, now);
                    break;
                case StormMessageKind.Error:
                    state.OnError(Encoding.UTF8.GetString(message));
                    break;
                default:
                    break;
            }
        }

        public void OnDelivery(int client, long seq, long sentTimestamp)
        {
            // Not called: OnMessage reads each message itself.
        }

        public void OnClosed(int client, string reason)
        {
            if (!run._stormEnding)
            {
                run.Clients[client].Deliveries.MarkClosed(reason);
            }
        }
    }
}
