using System.Diagnostics;
using Nexus.Bench.LoadGen.Clients;
using Nexus.Bench.LoadGen.Measure;

namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>
/// Book-keeping of one fan-out run: per-client state, how many clients have each message (for the
/// publisher's in-flight window and the drain), and latencies.
/// </summary>
internal sealed class FanOutRun : IDeliverySink, IDisposable
{
    private readonly int[] _completion;
    private int _closed;

    public FanOutRun(int clients, int messages, IEnumerable<int> connected)
    {
        States = new ClientState[clients];
        for (var i = 0; i < clients; i++)
        {
            States[i] = new ClientState(messages);
        }

        foreach (var i in connected)
        {
            States[i].Connected = true;
            ConnectedCount++;
        }

        _completion = new int[messages];
    }

    public ClientState[] States { get; }

    public int ConnectedCount { get; }

    public LatencyRecorder Latency { get; } = new();

    /// <summary>Connected clients that have not been closed.</summary>
    public int Live => ConnectedCount - Volatile.Read(ref _closed);

    public int CompletionOf(long seq) => Volatile.Read(ref _completion[seq]);

    public void OnDelivery(int client, long seq, long sentTimestamp)
    {
        var state = States[client];
        if (seq < 0)
        {
            state.MarkWarm((int)(-1 - seq));
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (state.Mark(seq, now))
        {
            Latency.Record((long)Stopwatch.GetElapsedTime(sentTimestamp, now).TotalMicroseconds);
            Interlocked.Increment(ref _completion[seq]);
        }
    }

    public void OnClosed(int client, string reason)
    {
        States[client].MarkClosed(reason);
        Interlocked.Increment(ref _closed);
    }

    /// <summary>True when every live client has warm-up message <paramref name="index"/> or a later one.</summary>
    public bool AllWarm(int index) => States.All(s => !s.Connected || s.Closed || s.WarmLast >= index);

    public void Dispose() => Latency.Dispose();
}
