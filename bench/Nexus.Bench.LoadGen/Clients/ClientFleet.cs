using System.Net;
using Nexus.Bench.LoadGen.Servers;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>N connected clients and their receive loops, connected a bounded number at a time.</summary>
internal sealed class ClientFleet : IAsyncDisposable
{
    private const int ParallelConnects = 32;

    private readonly List<WsClient> _clients;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private bool _disposed;

    private ClientFleet(List<WsClient> clients, int failed, string? firstError)
    {
        _clients = clients;
        Failed = failed;
        FirstError = firstError;
    }

    public int Connected
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    public int Failed { get; }

    public string? FirstError { get; }

    public static async Task<ClientFleet> ConnectAsync(
        int count, IPEndPoint server, ServerKind kind, int bufferSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clients = new WsClient?[count];
        var failed = 0;
        string? firstError = null;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ParallelConnects, CancellationToken = deadline.Token },
            async (i, ct) =>
            {
                try
                {
                    using var one = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    one.CancelAfter(TimeSpan.FromSeconds(15));
                    clients[i] = await WsClient.ConnectAsync(i, SourceAddresses.For(i), server, kind.PathFor(i), kind.SignalR, bufferSize, one.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            });
        return new ClientFleet(clients.OfType<WsClient>().ToList(), failed, firstError);
    }

    /// <summary>A fleet that clients connected one by one join (<see cref="Join"/>): the reconnect storm's.</summary>
    public static ClientFleet Empty() => new([], 0, null);

    /// <summary>Starts every receive loop; <paramref name="sink"/> sees what they read.</summary>
    public void Start(IDeliverySink sink)
    {
        foreach (var client in _clients)
        {
            _loops.Add(Task.Run(() => client.RunAsync(sink, _stop.Token)));
        }
    }

    /// <summary>Adds a client connected elsewhere and starts its receive loop; safe from many threads at once.</summary>
    public void Join(WsClient client, IDeliverySink sink)
    {
        lock (_clients)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _clients.Add(client);
            _loops.Add(Task.Run(() => client.RunAsync(sink, _stop.Token)));
        }
    }

    /// <summary>The connected clients; not to be read while others <see cref="Join"/>.</summary>
    public IReadOnlyList<WsClient> Clients => _clients;

    /// <summary>Aborts every socket (no close handshake) and waits for the receive loops. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync();
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Every socket is aborted, so a loop still running is stuck in the runtime; the run's figures are already taken.
            Console.Error.WriteLine($"warning: {_loops.Count(l => !l.IsCompleted)} receive loops did not end within 30 s of their sockets being aborted");
        }

        _stop.Dispose();
    }
}
