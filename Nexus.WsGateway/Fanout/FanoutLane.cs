using System.Threading.Tasks.Sources;
using Nexus.WsGateway.Connections;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// The second half of a large fan-out, written on a thread-pool thread while the fan-out thread writes the first half.
/// With inline sends each recipient costs a <c>send</c> call on the writing thread, so 1,000 recipients one after
/// another put 10-13 ms between the first and the last socket (issue 5, p99 at moderate load); two lanes use both
/// cores. One message at a time: the fan-out awaits the lane before it takes the next message, so every connection
/// still gets its messages in order, whichever half of the registry it is in at the time.
/// </summary>
/// <remarks>Reused for every message: no allocation per message or per recipient.</remarks>
internal sealed class FanoutLane : IThreadPoolWorkItem, IValueTaskSource<int>
{
    // The awaiting fan-out continues on the lane's thread when the lane finishes last: no extra wake-up.
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = false };
    private RegistrySnapshot _recipients;
    private int _start;
    private Outgoing _outgoing;

    /// <summary>Starts delivering the registry's slots from <paramref name="start"/> on; the result is how many took the message.</summary>
    public ValueTask<int> Start(RegistrySnapshot recipients, int start, Outgoing outgoing)
    {
        _recipients = recipients;
        _start = start;
        _outgoing = outgoing;
        _core.Reset();
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return new ValueTask<int>(this, _core.Version);
    }

    void IThreadPoolWorkItem.Execute()
    {
        var delivered = NotificationFanout.Deliver(_recipients, _start, _recipients.Slots, _outgoing, batch: null);
        // Nothing of the message stays referenced once it is delivered.
        _recipients = default;
        _outgoing = default;
        _core.SetResult(delivered);
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
