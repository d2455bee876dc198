namespace Nexus.Bench.LoadGen.Report;

/// <summary>
/// One reconnect storm (issue 12): N clients, disconnected, reconnect within a window and resume the notifications they
/// missed. "Recovered" is the moment a client has the resume result and every missed notification.
/// </summary>
internal sealed record StormFigures
{
    /// <summary>Notifications published while every client was away, which each must get back.</summary>
    public int MissedPerClient { get; init; }

    /// <summary>Live notifications per second published during and after the storm.</summary>
    public double LiveRate { get; init; }

    /// <summary>The window the reconnects were spread over, and how long the first to the last reconnect start really took.</summary>
    public double WindowSeconds { get; init; }

    public double ReconnectSpreadSeconds { get; init; }

    public int Reconnected { get; init; }

    public int ReconnectFailed { get; init; }

    public string? FirstReconnectError { get; init; }

    /// <summary>Clients that did not recover: no result, <c>recovered: false</c>, an error, or a missed notification never came.</summary>
    public int NotRecovered { get; init; }

    /// <summary>Why they did not, for the notes: how many had no result, <c>recovered: false</c>, or a missed notification never came.</summary>
    public string? NotRecoveredWhy { get; init; }

    /// <summary>Clients whose first notification after the reconnect was not the first one they missed (something overtook the replay).</summary>
    public int FirstNotMissed { get; init; }

    /// <summary>Per client, from its reconnect start (before the TCP connect) to recovered, in ms.</summary>
    public double? RecoverP50Ms { get; init; }

    public double? RecoverP99Ms { get; init; }

    public double? RecoverMaxMs { get; init; }

    /// <summary>The part of it up to the 101 response (TCP connect and upgrade), p50 and p99, in ms.</summary>
    public double? UpgradeP50Ms { get; init; }

    public double? UpgradeP99Ms { get; init; }

    /// <summary>From the first reconnect start to the last client recovered, in s.</summary>
    public double? AllRecoveredSeconds { get; init; }

    /// <summary>Notifications the resume results said were replayed, summed, and the least and most one client got.</summary>
    public long Replayed { get; init; }

    public long? ReplayedMin { get; init; }

    public long? ReplayedMax { get; init; }

    /// <summary>
    /// Results that cannot be right: <c>replayed</c> larger than the notifications the client received before the result
    /// (the replayed ones come first, then live ones held meanwhile), or a second result to the one request.
    /// </summary>
    public int ReplayCountMismatches { get; init; }

    /// <summary>Clients that got a missed notification only after the resume result (section 4.2: the replay comes before it).</summary>
    public int MissedAfterResult { get; init; }

    /// <summary>Notifications whose <c>params.id</c> is not the id the durable publish returned for them.</summary>
    public long IdMismatches { get; init; }

    /// <summary>Error responses to <c>notify.resume</c>, and the first one.</summary>
    public int ResumeErrors { get; init; }

    public string? FirstResumeError { get; init; }

    /// <summary>The gateway's VmRSS just before the storm, and its highest sample (every 20 ms) until the drain ended.</summary>
    public double? RssBeforeMb { get; init; }

    public double? PeakRssMb { get; init; }
}
