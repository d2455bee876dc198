using System.Net.WebSockets;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// Closes a socket with 1008 when its token expires (issue 4 item 5). One timer per token-bearing connection, created
/// at the upgrade and disposed when the connection ends; connections without an expiry (development users) have none.
/// </summary>
internal sealed partial class TokenExpiry : IDisposable
{
    // ITimer takes at most about 49 days; longer tokens are re-armed when this fires early.
    private static readonly TimeSpan s_maxDue = TimeSpan.FromDays(24);

    private readonly IClientConnection _connection;
    private readonly DateTimeOffset _expiresAt;
    private readonly TimeProvider _time;
    private readonly TimeSpan _closeTimeout;
    private readonly ILogger _logger;
    private readonly ITimer _timer;

    private TokenExpiry(IClientConnection connection, DateTimeOffset expiresAt, TimeProvider time, TimeSpan closeTimeout, ILogger logger)
    {
        _connection = connection;
        _expiresAt = expiresAt;
        _time = time;
        _closeTimeout = closeTimeout;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((TokenExpiry)state!).OnDue(), this, Due(), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Null when <paramref name="expiresAt"/> is null: nothing to watch.</summary>
    public static TokenExpiry? Watch(IClientConnection connection, DateTimeOffset? expiresAt, TimeProvider time, TimeSpan closeTimeout, ILogger logger)
        => expiresAt is { } at ? new TokenExpiry(connection, at, time, closeTimeout, logger) : null;

    public void Dispose() => _timer.Dispose();

    private TimeSpan Due()
    {
        var remaining = _expiresAt - _time.GetUtcNow();
        return remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < s_maxDue ? remaining : s_maxDue;
    }

    private void OnDue()
    {
        var due = Due();
        if (due > TimeSpan.Zero)
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
            return;
        }

        Log.TokenExpired(_logger, _connection.Client.ConnectionId, _connection.Client.UserId);
        _connection.Close(WebSocketCloseStatus.PolicyViolation, "token expired", _closeTimeout);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.TokenExpired, LogLevel.Information, "Connection {ConnectionId} of user {UserId}: token expired; closing with 1008.")]
        public static partial void TokenExpired(ILogger logger, string connectionId, string userId);
    }
}
