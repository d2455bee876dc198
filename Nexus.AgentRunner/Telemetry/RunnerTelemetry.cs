using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Nexus.AgentRunner.Telemetry;

/// <summary>The runner's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Nexus.AgentRunner</c>.</summary>
internal static class RunnerTelemetry
{
    public const string Name = "Nexus.AgentRunner";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SessionsStarted = Meter.CreateCounter<long>("nexus.runner.sessions.started", description: "Agent sessions started.");

    public static readonly Counter<long> SessionsEnded = Meter.CreateCounter<long>("nexus.runner.sessions.ended", description: "Agent sessions ended, by status.");

    public static readonly Counter<long> SessionsRejected = Meter.CreateCounter<long>("nexus.runner.sessions.rejected", description: "Session requests refused because the instance was full.");

    public static readonly Histogram<double> SessionDuration = Meter.CreateHistogram<double>("nexus.runner.session.duration", unit: "s", description: "Duration of agent sessions.");

    public static readonly Counter<long> ApprovalsResolved = Meter.CreateCounter<long>("nexus.runner.approvals.resolved", description: "Approval requests resolved, by decision.");
}
