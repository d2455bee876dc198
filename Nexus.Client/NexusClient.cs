using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nexus.Client;

/// <summary>
/// A connection to Nexus (docs/protocol.md version 1.1): notifications as an <see cref="IAsyncEnumerable{T}"/>, a typed
/// method for every JSON-RPC method, and automatic reconnects that resume from the last notification received and
/// set the filter again, so that nothing is lost or repeated; when that is impossible, <see cref="ResyncRequired"/>
/// tells the application to re-sync its state.
/// </summary>
/// <example>
/// <code>
/// await using var nexus = new NexusClient(new NexusClientOptions { Url = new("ws://localhost:5080/ws"), DevUser = "bob" });
/// nexus.ResyncRequired += async _ => await LoadStateAsync(nexus);   // agent.list, approval.list
/// await nexus.StartAsync();
/// await foreach (var n in nexus.ReadNotificationsAsync())
/// {
///     if (n.KnownEvent is ApprovalRequest request)
///     {
///         await nexus.RespondToApprovalAsync(request.RequestId, ApprovalDecision.Approve);
///     }
/// }
/// </code>
/// </example>
public sealed partial class NexusClient : IAsyncDisposable
{
    /// <summary>The <see cref="ActivitySource"/> of the client's call spans: add it to your tracer to see them.</summary>
    public const string ActivitySourceName = "Nexus.Client";

    private static readonly ActivitySource s_activitySource = new(ActivitySourceName);

    private readonly NexusClientOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Notification> _notifications;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<ClientConnection> _ready = NewReady();
    private ClientConnection? _connection;
    private Task? _running;
    private NexusConnectionState _state;
    private NexusFilter _filter = NexusFilter.All;
    private string? _lastId;
    private long _nextId;
    private bool _started;
    private bool _stopped;

    /// <summary>Creates a client; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Where and how to connect; <see cref="NexusClientOptions.Url"/> is required.</param>
    /// <param name="logger">Where connection events go (connected, lost, resumed, re-sync); none by default.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the option).</exception>
    public NexusClient(NexusClientOptions options, ILogger<NexusClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _notifications = Channel.CreateBounded<Notification>(new BoundedChannelOptions(options.NotificationBufferCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// The connection was lost and the client starts reconnecting (the argument says why). Calls made meanwhile wait
    /// for the connection, up to <see cref="NexusClientOptions.CallTimeout"/>.
    /// </summary>
    public event Func<Exception?, Task>? Reconnecting;

    /// <summary>The client reconnected, set its filter again and resumed (<see cref="NexusReconnectedEventArgs.Resumed"/>) where it could.</summary>
    public event Func<NexusReconnectedEventArgs, Task>? Reconnected;

    /// <summary>
    /// After a reconnect, notifications published while the client was away could not be replayed: re-sync the
    /// application's state now, e.g. with <see cref="ListAgentsAsync"/> and <see cref="ListApprovalsAsync"/>. Raised after
    /// <see cref="Reconnected"/>, once the connection is ready for calls.
    /// </summary>
    public event Func<NexusResyncEventArgs, Task>? ResyncRequired;

    /// <summary>The client stopped for good: <see cref="StopAsync"/> (null), or reconnecting gave up (the last error).</summary>
    public event Func<Exception?, Task>? Closed;

    /// <summary>Where the connection stands.</summary>
    public NexusConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The filter as the gateway last confirmed it; set again on every reconnect.</summary>
    public NexusFilter Filter
    {
        get
        {
            lock (_gate)
            {
                return _filter;
            }
        }
    }

    /// <summary>The id of the last durable notification received: where the next reconnect resumes from. Null until one arrives.</summary>
    public string? LastNotificationId => Volatile.Read(ref _lastId);

    /// <summary>
    /// Opens the connection. Fails when the first connection cannot be opened (e.g. <see cref="NexusConnectionException.StatusCode"/>
    /// 401 for a bad token); once connected, losses are handled by reconnecting.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="NexusConnectionException">The connection could not be opened.</exception>
    /// <exception cref="InvalidOperationException">Already started, or stopped (a stopped client cannot start again: create a new one).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                throw new InvalidOperationException("The client is already started.");
            }

            _started = true;
            _state = NexusConnectionState.Connecting;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            var (connection, _) = await ConnectAsync(linked.Token);
            if (!TryMakeReady(connection))
            {
                await connection.DisposeAsync();
                throw new NexusConnectionException("The client was stopped while connecting.");
            }

            lock (_gate)
            {
                _running = RunAsync(connection, _lifetime.Token);
            }
        }
        catch
        {
            lock (_gate)
            {
                _started = false;
                if (!_stopped)
                {
                    _state = NexusConnectionState.Disconnected;
                }
            }

            throw;
        }
    }

    /// <summary>
    /// The notifications, in the order they arrived (durable ones in id order), across reconnects. Read it from one
    /// loop: the client holds at most <see cref="NexusClientOptions.NotificationBufferCapacity"/> unread. The sequence
    /// ends when the client is stopped, and throws the last error when reconnecting gave up.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration (the client keeps running).</param>
    public IAsyncEnumerable<Notification> ReadNotificationsAsync(CancellationToken cancellationToken = default)
        => _notifications.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Closes the connection (normal closure) and stops reconnecting; pending calls fail, the notification sequence ends.</summary>
    /// <param name="cancellationToken">Abandons the graceful close (the socket is aborted).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ClientConnection? connection;
        Task? running;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            connection = _connection;
            running = _running;
            SetStopped(new NexusConnectionException("The client is stopped."));
        }

        if (connection is not null)
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(5)).WaitAsync(cancellationToken);
        }

        await _lifetime.CancelAsync();
        if (running is not null)
        {
            await running;
        }

        _notifications.Writer.TryComplete();
        await RaiseAsync(Closed, null, nameof(Closed));
    }

    /// <summary>Stops the client (<see cref="StopAsync"/>) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _lifetime.Dispose();
    }

    /// <summary>Called by the receive loop for each notification, in order; waits while the buffer is full.</summary>
    internal async ValueTask OnNotificationAsync(Notification notification, CancellationToken cancellationToken)
    {
        await _notifications.Writer.WriteAsync(notification, cancellationToken);
        if (notification.Id is { } id)
        {
            Volatile.Write(ref _lastId, id);
        }
    }

    /// <summary>From now on every call fails with <paramref name="reason"/> (under the lock).</summary>
    private void SetStopped(Exception reason)
    {
        _stopped = true;
        _state = NexusConnectionState.Disconnected;
        if (!_ready.TrySetException(reason))
        {
            _ready = NewReady();
            _ready.SetException(reason);
        }

        // Nobody may be waiting on it: observe it so it never counts as an unobserved exception.
        _ = _ready.Task.Exception;
    }

    private static TaskCompletionSource<ClientConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool TryMakeReady(ClientConnection connection)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }

            _connection = connection;
            _state = NexusConnectionState.Connected;
            _ready.TrySetResult(connection);
            return true;
        }
    }

    private async Task<ClientConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        Task<ClientConnection> ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }

        return await ready.WaitAsync(cancellationToken);
    }

    private async Task RaiseAsync<T>(Func<T, Task>? handlers, T args, string name)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Func<T, Task>>())
        {
            try
            {
                await handler(args);
            }
            catch (Exception ex)
            {
                // An application's handler must not stop the client's reconnect loop.
                Log.HandlerFailed(_logger, name, ex);
            }
        }
    }
}
