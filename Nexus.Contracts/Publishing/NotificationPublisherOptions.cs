namespace Nexus.Contracts.Publishing;

/// <summary>Bounds of one publish: attempts for transient Redis errors and the overall time.</summary>
public sealed class NotificationPublisherOptions
{
    /// <summary>Attempts in total, the first included (default 3).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Delay before the first retry, doubled for each further one (default 100 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Overall time of one publish, retries included (default 5 s).</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
