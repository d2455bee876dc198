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

    /// <summary>Messages missing at clients that stayed connected (the "keep up" clients of issue 5).</summary>
    public long? Missing { get; init; }

    public long? Duplicates { get; init; }

    public long? OutOfOrder { get; init; }

    /// <summary>Clients with at least one missing, duplicate or out-of-order message.</summary>
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

    public string? Error { get; init; }
}
