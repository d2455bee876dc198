using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Nexus.Client;

// Connecting, and reconnecting with resume (docs/protocol.md sections 4.1 and 4.2).
public sealed partial class NexusClient
{
    // The filter cannot hold an empty include list through notify.subscribe (its channels must not be empty): it is
    // rebuilt as subscribe([this]) then unsubscribe([this]), which leaves include empty and this name (which no
    // channel is expected to have) in exclude.
    private const string EmptyIncludeName = "nexus-client:nothing";

    /// <summary>Opens a socket and sends the first message: the filter, and notify.resume when there is an id to resume from.</summary>
    private async Task<(ClientConnection Connection, ResumeOutcome Outcome)> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var url = SocketUrl(resuming: LastNotificationId is not null);
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.KeepAliveInterval = _options.KeepAliveInterval;
            socket.Options.KeepAliveTimeout = _options.KeepAliveTimeout;
            if (_options.AccessTokenProvider is { } provider && await provider(timeout.Token) is { Length: > 0 } token)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            _options.ConfigureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(url, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            var why = status > 0 ? $"HTTP {status}" : ex is OperationCanceledException ? $"no answer within {_options.ConnectTimeout.TotalSeconds} s" : ex.Message;
            throw new NexusConnectionException($"Could not connect to {url}: {why}.", ex, status > 0 ? status : null);
        }

        var connection = new ClientConnection(socket, this, _logger);
        connection.StartReceiving(_lifetime.Token);
        try
        {
            var outcome = await SendFirstMessageAsync(connection, timeout.Token);
            Log.Connected(_logger, url);
            return (connection, outcome);
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync();
            cancellationToken.ThrowIfCancellationRequested();
            throw ex as NexusConnectionException ?? new NexusConnectionException($"The connection to {url} failed before it was ready: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The gateway holds a new connection's live notifications until its first message is handled, so a resume in that
    /// message is replayed before anything live, with no gap and no duplicate. The filter goes first, so the replay
    /// and what follows it are already filtered.
    /// </summary>
    private async Task<ResumeOutcome> SendFirstMessageAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        NexusFilter filter;
        lock (_gate)
        {
            filter = _filter;
        }

        var since = LastNotificationId;
        var requests = new List<JsonRpcMessages.Request>();
        void Add(string method, Action<Utf8JsonWriter> writeParams) => requests.Add(new(Interlocked.Increment(ref _nextId), method, writeParams));
        if (filter.Include is { } include)
        {
            Add("notify.subscribe", JsonRpcMessages.Channels(include.Count > 0 ? include : [EmptyIncludeName]));
            if (include.Count == 0)
            {
                Add("notify.unsubscribe", JsonRpcMessages.Channels([EmptyIncludeName]));
            }
        }

        if (filter.Exclude.Count > 0)
        {
            Add("notify.unsubscribe", JsonRpcMessages.Channels(filter.Exclude));
        }

        if (since is not null)
        {
            Add("notify.resume", w => w.WriteString("since", since));
        }

        if (requests.Count == 0)
        {
            return new ResumeOutcome(null, null);
        }

        var replies = requests.Select(r => connection.Expect(r.Id, r.Method)).ToList();
        await connection.SendAsync(JsonRpcMessages.Batch(requests), cancellationToken);
        ResumeResult? resumed = null;
        for (var i = 0; i < requests.Count; i++)
        {
            try
            {
                var result = await replies[i].WaitAsync(cancellationToken);
                if (requests[i].Method == "notify.resume")
                {
                    resumed = result.Deserialize(ClientJsonContext.Default.ResumeResult);
                }
            }
            catch (NexusRpcException ex)
            {
                // The gateway refused part of the rebuild (e.g. its filter limits changed): go on with what it has, and
                // when it is the resume, count it as not recovered so that the application re-syncs.
                Log.RebuildRefused(_logger, requests[i].Method, ex.Code, ex.ErrorMessage);
                if (requests[i].Method == "notify.resume")
                {
                    resumed = new ResumeResult(false, 0);
                }
            }
        }

        return new ResumeOutcome(since, resumed);
    }

    /// <summary>Watches the connection and replaces it when it is lost, until the client stops or gives up.</summary>
    private async Task RunAsync(ClientConnection connection, CancellationToken stopping)
    {
        while (true)
        {
            var reason = await connection.Completion;
            bool stopped;
            lock (_gate)
            {
                _connection = null;
                stopped = _stopped;
                if (!stopped)
                {
                    _ready = NewReady();
                    _state = NexusConnectionState.Reconnecting;
                }
            }

            await connection.DisposeAsync();
            if (stopped || stopping.IsCancellationRequested)
            {
                return;
            }

            if (!_options.Reconnect)
            {
                await GiveUpAsync(reason);
                return;
            }

            Log.ConnectionLost(_logger, reason.Message);
            await RaiseAsync(Reconnecting, reason, nameof(Reconnecting));
            var (next, outcome, error) = await ReconnectAsync(stopping);
            if (next is null)
            {
                if (!stopping.IsCancellationRequested)
                {
                    await GiveUpAsync(error ?? reason);
                }

                return;
            }

            if (!TryMakeReady(next))
            {
                await next.DisposeAsync();
                return;
            }

            connection = next;
            var resumed = outcome.Result is { Recovered: true };
            Log.Reconnected(_logger, resumed, outcome.Result?.Replayed ?? 0);
            await RaiseAsync(Reconnected, new NexusReconnectedEventArgs(resumed, outcome.Result?.Replayed ?? 0), nameof(Reconnected));
            if (!resumed)
            {
                var why = outcome.Since is null ? NexusResyncReason.NoPosition : NexusResyncReason.HistoryLost;
                Log.ResyncRequired(_logger, why, outcome.Since);
                await RaiseAsync(ResyncRequired, new NexusResyncEventArgs(why, outcome.Since), nameof(ResyncRequired));
            }
        }
    }

    private async Task<(ClientConnection? Connection, ResumeOutcome Outcome, Exception? Error)> ReconnectAsync(CancellationToken stopping)
    {
        Exception? last = null;
        for (var attempt = 0; _options.MaxReconnectAttempts is not { } max || attempt < max; attempt++)
        {
            var delay = Backoff.Delay(attempt, _options.ReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
            try
            {
                await Task.Delay(delay, stopping);
                var (connection, outcome) = await ConnectAsync(stopping);
                return (connection, outcome, null);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return (null, default, null);
            }
            catch (NexusConnectionException ex)
            {
                last = ex;
                Log.ReconnectFailed(_logger, attempt + 1, ex.Message);
            }
        }

        return (null, default, last);
    }

    private async Task GiveUpAsync(Exception reason)
    {
        lock (_gate)
        {
            SetStopped(new NexusConnectionException("The client gave up reconnecting: " + reason.Message, reason));
        }

        Log.GaveUp(_logger, reason.Message);
        _notifications.Writer.TryComplete(reason);
        await RaiseAsync(Closed, reason, nameof(Closed));
    }

    /// <summary>
    /// The gateway's URL, with the development user if one is set, and <c>resume=1</c> when the first message will
    /// resume: the gateway then holds live notifications for that message even when it comes late (docs/protocol.md
    /// section 3), so the replay always comes first.
    /// </summary>
    private Uri SocketUrl(bool resuming)
    {
        var builder = new UriBuilder(_options.Url!);
        var query = new StringBuilder(builder.Query.TrimStart('?'));
        void Append(string parameter)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(parameter);
        }

        if (_options.DevUser is { Length: > 0 } user)
        {
            Append("user=" + Uri.EscapeDataString(user));
            if (_options.DevApprover)
            {
                Append("approver=true");
            }
        }

        if (resuming)
        {
            Append("resume=1");
        }

        builder.Query = query.ToString();
        return builder.Uri;
    }

    /// <summary>What the first message of a connection achieved: the id it resumed from, and the gateway's answer.</summary>
    private readonly record struct ResumeOutcome(string? Since, ResumeResult? Result);
}
