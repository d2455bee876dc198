namespace Nexus.WsGateway.Connections;

internal enum RateDecision
{
    Allowed,
    Rejected,
    Disconnect,
}

/// <summary>
/// Per-connection token bucket of PROTOCOL.md section 3: <c>MaxRequestsPerSecond</c> sustained, bursts of twice that.
/// One WebSocket message counts as one request, a batch included: the message is the unit the socket reads and
/// <c>Gateway:MaxMessageBytes</c> already bounds how much work one message can carry.
/// A client is "still over the limit" while its rejections continue with gaps shorter than a second; ten seconds
/// of that and it is disconnected (1008). Used by the connection's receive loop only: not thread-safe.
/// </summary>
internal sealed class RequestRateLimiter
{
    private static readonly TimeSpan s_overLimitGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_streakGap = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private double _tokens;
    private long _lastRefill;
    private long _overSince;
    private long _lastRejection;
    private bool _over;

    public RequestRateLimiter(double perSecond, TimeProvider time)
    {
        _time = time;
        _perSecond = perSecond;
        _capacity = perSecond * 2;
        _tokens = _capacity;
        _lastRefill = time.GetTimestamp();
    }

    public RateDecision Acquire()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * _perSecond));
        _lastRefill = now;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return RateDecision.Allowed;
        }

        if (!_over || _time.GetElapsedTime(_lastRejection, now) > s_streakGap)
        {
            _over = true;
            _overSince = now;
        }

        _lastRejection = now;
        return _time.GetElapsedTime(_overSince, now) >= s_overLimitGrace ? RateDecision.Disconnect : RateDecision.Rejected;
    }
}
