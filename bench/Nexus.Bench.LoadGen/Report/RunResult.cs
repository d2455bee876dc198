namespace Nexus.Bench.LoadGen.Report;

/// <summary>One run of one scenario against one server. Figures that do not apply stay null.</summary>
internal sealed record RunResult
{
    public required string Scenario { get; init; }

    public required string Server { get; init; }

    public required int Clients { get; init; }

    public required int Round { get; init; }

    public int Connected { get; init; }

    public int ConnectFailed { get; init; }

    public long? Published { get; init; }

    public long? Deliveries { get; init; }

    public double? WallSeconds { get; init; }

    public double? DeliveriesPerSecond { get; init; }

    public long? LatencyP50Us { get; init; }

    public long? LatencyP99Us { get; init; }

    public long? LatencyMaxUs { get; init; }

    /// <summary>Messages published but not received, summed over every client that connected (issue 16 item 4).</summary>
    public long? Missing { get; init; }

    /// <summary>Messages received twice by one client (in the storm also: one at or before the client's resume point).</summary>
    public long? Duplicates { get; init; }

    /// <summary>Messages received after one published later.</summary>
    public long? OutOfOrder { get; init; }

    /// <summary>Messages with a <c>seq</c> that was never published.</summary>
    public long? Unexpected { get; init; }

    /// <summary>Clients with at least one missing, duplicate, out-of-order or unexpected message.</summary>
    public int? ClientsWithGaps { get; init; }

    public int ClientsDisconnected { get; init; }

    public string? FirstCloseReason { get; init; }

    public double? ServerCpuSeconds { get; init; }

    public double? CpuUsPerDelivery { get; init; }

    public double? ServerCores { get; init; }

    public double? RedisCpuSeconds { get; init; }

    public double? LoadGenCores { get; init; }

    public double? MachineBusy { get; init; }

    public bool LoadGenSaturated { get; init; }

    public bool Stalled { get; init; }

    public double? ServerPeakRssMb { get; init; }

    public double? IdleRssBeforeMb { get; init; }

    public double? IdleRssAfterMb { get; init; }

    public double? IdleKbPerConnection { get; init; }

    /// <summary>The reconnect storm's own figures (scenario <c>storm</c> only).</summary>
    public StormFigures? Storm { get; init; }

    public string? Error { get; init; }
}
