using System.Collections.Concurrent;
using Nexus.WsGateway.Connections;

namespace Nexus.WsGateway.Fanout;

/// <summary>
/// Work the single fan-out consumer (<see cref="FanoutWorker"/>) does between two messages, where no delivery is under
/// way: a resume's hold begins there, so the connection has either had a notification or holds it, never half of
/// both; a catch-up runs there, so what it reads goes out before anything newer. A command wakes the consumer when it
/// is waiting for Redis.
/// </summary>
internal sealed class FanoutCommands : IDisposable
{
    private readonly ConcurrentQueue<Command> _queue = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource _wake = new();
    private bool _stopped;
    private int _pending;

    /// <summary>Cancelled when a command arrives or the consumer must stop: the consumer's wait on Redis ends.</summary>
    public CancellationToken WakeToken
    {
        get
        {
            lock (_gate)
            {
                return _wake.Token;
            }
        }
    }

    public bool HasPending => Volatile.Read(ref _pending) > 0;

    /// <summary>
    /// Makes <paramref name="connection"/> hold its notifications from the next message boundary on; the result is the
    /// ordinal of the last durable notification fanned out before it (every one up to it was sent or is held).
    /// </summary>
    public Task<long> HoldAtBoundaryAsync(GatewayConnection connection)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Command(connection, done));
        return done.Task;
    }

    /// <summary>Asks for a catch-up from the history (the subscriber's connection came back).</summary>
    public void RequestCatchUp() => Enqueue(new Command(null, null));

    public bool TryDequeue(out Command command)
    {
        if (_queue.TryDequeue(out command))
        {
            Interlocked.Decrement(ref _pending);
            return true;
        }

        return false;
    }

    /// <summary>A fresh wake token once the previous one was used (never after <see cref="Stop"/>).</summary>
    public void ResetWake()
    {
        lock (_gate)
        {
            // The used one is not disposed: a producer may be cancelling it right now; a cancelled source holds nothing.
            if (_wake.IsCancellationRequested && !_stopped)
            {
                _wake = new CancellationTokenSource();
            }
        }
    }

    /// <summary>Ends the consumer's wait for good.</summary>
    public void Stop()
    {
        CancellationTokenSource wake;
        lock (_gate)
        {
            _stopped = true;
            wake = _wake;
        }

        wake.Cancel();

        // Nobody will run what is left: a resume waiting on it gives up rather than hang.
        while (TryDequeue(out var command))
        {
            command.Done?.TrySetCanceled();
        }
    }

    public void Dispose() => _wake.Dispose();

    private void Enqueue(Command command)
    {
        _queue.Enqueue(command);
        Interlocked.Increment(ref _pending);
        CancellationTokenSource wake;
        lock (_gate)
        {
            wake = _wake;
        }

        // Outside the lock: cancelling runs the waiting consumer's cancellation callback.
        wake.Cancel();
    }

    /// <summary>A hold for <see cref="Connection"/> (completing <see cref="Done"/>), or a catch-up when it is null.</summary>
    internal readonly record struct Command(GatewayConnection? Connection, TaskCompletionSource<long>? Done);
}
