using System.Net.WebSockets;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// One WebSocket: a receive loop (<see cref="GatewayConnection"/>.Receive.cs) and a <see cref="SocketWriter"/>
/// that alone writes to the socket. Closing is always bounded: whoever starts a close also arms a timer that
/// aborts the socket if the handshake has not finished in time (a stalled client cannot even take a close frame).
/// </summary>
internal sealed partial class GatewayConnection : IClientConnection, IRequestBudget
{
    private readonly WebSocket _socket;
    private readonly SocketWriter _writer;
    private readonly ConnectionServices _services;
    private readonly RequestRateLimiter _rateLimiter;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _abortTimer;

    // Set by the budget when the client stayed over the rate limit too long; the receive loop then closes with 1008.
    private bool _rateLimitExceeded;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="client">Who it is, and its filter.</param>
    /// <param name="services">What every connection shares.</param>
    /// <param name="transport">The pipes of a directly accepted socket, for batched writes; null through the endpoint.</param>
    /// <param name="resumeDeclared">The upgrade declared <c>resume=1</c>: the first message will be a resume.</param>
    public GatewayConnection(WebSocket socket, ClientContext client, ConnectionServices services, BatchingTransport? transport = null, bool resumeDeclared = false)
    {
        _socket = socket;
        _services = services;
        Client = client;
        _writer = new SocketWriter(socket, services.Options.MaxQueuedBytes, transport);
        _rateLimiter = new RequestRateLimiter(services.Options.MaxRequestsPerSecond, services.Time);
        client.Connection = this;
        StartInitialHold(resumeDeclared);
    }

    public ClientContext Client { get; }

    public Task Completion => _completion.Task;

    /// <summary>Runs until the socket is closed or aborted. Never throws for a client's disconnect.</summary>
    public async Task RunAsync(CancellationToken requestAborted)
    {
        var sending = _writer.RunAsync();
        try
        {
            await ReceiveLoopAsync(requestAborted);
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            Log.ClientDisconnected(_services.Logger, Client.ConnectionId, ex.GetType().Name);
        }
        finally
        {
            // Whatever ended the receive side, the writer must end too: a close frame when the socket can still
            // take one (the writer checks its state), and the abort timer in case it cannot.
            Close(WebSocketCloseStatus.NormalClosure, "", _services.Options.CloseTimeout);
            await sending;
            Interlocked.Exchange(ref _abortTimer, null)?.Dispose();
            Interlocked.Exchange(ref _initialHold, null)?.Dispose();
            _completion.TrySetResult();
        }
    }

    public bool Send(ReadOnlyMemory<byte> message) => Send(message, batch: null);

    public bool Send(ReadOnlyMemory<byte> message, WriteBatch? batch)
    {
        switch (_writer.TryEnqueue(message, batch))
        {
            case EnqueueResult.Accepted:
                return true;
            case EnqueueResult.Full:
                CloseAsSlow(message.Length);
                return false;
            default:
                return false;
        }
    }

    private void CloseAsSlow(int messageBytes)
    {
        if (StartClose(CloseStatuses.TryAgainLater, "client too slow", _services.Options.CloseTimeout))
        {
            _services.Metrics.SlowClientDisconnected();
            Log.SlowClientDisconnected(_services.Logger, Client.ConnectionId, Client.UserId, _writer.QueuedBytes, messageBytes);
        }
    }

    public void Close(WebSocketCloseStatus status, string description, TimeSpan timeout)
        => StartClose(status, description, timeout);

    public void Abort() => _socket.Abort();

    private bool StartClose(WebSocketCloseStatus status, string description, TimeSpan timeout)
    {
        if (!_writer.RequestClose(status, description))
        {
            return false;
        }

        var timer = _services.Time.CreateTimer(static state => ((GatewayConnection)state!).AbortAfterCloseTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _abortTimer, timer)?.Dispose();
        return true;
    }

    private void AbortAfterCloseTimeout()
    {
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
        {
            Log.CloseTimedOut(_services.Logger, Client.ConnectionId, _socket.State);
            _socket.Abort();
        }
    }

    private static bool IsDisconnect(Exception ex)
        => ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException;
}
