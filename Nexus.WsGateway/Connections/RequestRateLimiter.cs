namespace Nexus.WsGateway.Connections;

internal enum RateDecision
{
    Allowed,
    Rejected,
    Disconnect,
}

/// <summary>
/// Per-connection token bucket of docs/protocol.md section 3: <c>MaxRequestsPerSecond</c> sustained, bursts of twice that.
/// Every request of a batch counts (issue 11; a whole message used to count once, so a batch of 50 cost what one
/// request did). A message asks for as many tokens as it holds requests and gets as many as there are: a batch that
/// only partly fits runs its first requests, in order, and the rest are answered -32004 with their ids, just as the
/// same requests sent as separate messages would be. A message that runs nothing (not JSON, an empty or oversized
/// batch) still costs one token, like any message.
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

    /// <summary>One request.</summary>
    public RateDecision Acquire() => Acquire(1, out _);

    /// <summary>
    /// Takes up to <paramref name="requests"/> tokens; <paramref name="allowed"/> says how many were available.
    /// <see cref="RateDecision.Allowed"/> when all were, else the excess is rejected (or, ten seconds over, the client
    /// is to be disconnected).
    /// </summary>
    public RateDecision Acquire(int requests, out int allowed)
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * _perSecond));
        _lastRefill = now;
        allowed = (int)Math.Min(requests, Math.Floor(_tokens));
        _tokens -= allowed;
        if (allowed == requests)
        {
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
