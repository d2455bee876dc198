namespace Nexus.Contracts.History;

/// <summary>Configuration section <c>History</c> (docs/protocol.md section 1.1): how much of the history Redis keeps.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "History";

    public const long DefaultWindowMs = 10 * 60 * 1000;

    public const long DefaultMaxEntries = 100_000;

    /// <summary>Durable notifications younger than this are kept (default 10 minutes).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(DefaultWindowMs);

    /// <summary>At most this many are kept, whatever their age (default 100,000).</summary>
    public long MaxEntries { get; set; } = DefaultMaxEntries;
}
