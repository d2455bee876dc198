namespace Nexus.Client;

/// <summary>
/// Reconnect delays: exponential with "equal jitter" (half the ceiling fixed, half random), so a gateway restart does
/// not bring every client back in the same millisecond, yet no retry is immediate. The console used the same rule.
/// </summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (random * ceiling / 2));
    }
}
