namespace Nexus.WsGateway.Fanout;

/// <summary>
/// At most one log line per interval; the lines in between are counted and reported with the next one.
/// Keeps a flood of bad payloads from flooding the logs (docs/protocol.md section 1: "logged (rate-limited)").
/// Used by the single fan-out consumer only: not thread-safe.
/// </summary>
internal sealed class LogRateLimiter(TimeProvider time, TimeSpan interval)
{
    private long _lastWritten;
    private bool _any;
    private int _suppressed;

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> tells how many were skipped since the last.</summary>
    public bool TryAcquire(out int suppressed)
    {
        var now = time.GetTimestamp();
        if (_any && time.GetElapsedTime(_lastWritten, now) < interval)
        {
            _suppressed++;
            suppressed = 0;
            return false;
        }

        _any = true;
        _lastWritten = now;
        suppressed = _suppressed;
        _suppressed = 0;
        return true;
    }
}
