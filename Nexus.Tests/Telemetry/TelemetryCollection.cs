namespace Nexus.Tests.Telemetry;

/// <summary>
/// Tests that watch every span of the process: ActivitySources are process-wide, so another test's hosts (or its
/// ActivityListener, which can force sampling) would show up in them. xunit runs this collection alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry, alone";
}
