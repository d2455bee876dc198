using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A trace starts only from something a user or a publisher did (issue 15). The services also call out on their
/// own: YARP probes <c>/health</c> of every destination every few seconds, the runner sweeps approvals and renews its
/// heartbeat every second, health checks and gauges read Redis. Each of those is an HTTP or Redis client span with no
/// parent, which the dashboard lists as a trace of its own, hundreds a minute, burying the one that matters.
/// <para>
/// So an outgoing call (<see cref="ActivityKind.Client"/>) that no traced operation made starts no trace. Work still
/// does: a server span (an HTTP request, a JSON-RPC call), a consumer span (a notification's fan-out), a producer span
/// (a publish). Below a root the parent decides, so a <c>/health</c> request that the ASP.NET Core filter drops takes
/// its Redis PING with it. Samplers see only traces: the calls keep their metrics, and their failures their logs.
/// </para>
/// <para>
/// The Redis instrumentation turns a command into a span only when it flushes (every few seconds, off the caller's
/// thread), with the parent it recorded when the command was sent; with no parent then, it reaches this sampler as a
/// parentless client span, exactly like a YARP probe.
/// </para>
/// </summary>
internal sealed class HousekeepingSampler : Sampler
{
    private static readonly SamplingResult Sample = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    private HousekeepingSampler()
    {
    }

    /// <summary>
    /// Parent-based: roots are judged here, children follow their parent. Set explicitly, it also replaces the
    /// <c>OTEL_TRACES_SAMPLER=always_on</c> that Aspire hands every service in development, which samples even the
    /// children of a dropped health request and shows them as traces whose parent never arrives.
    /// </summary>
    public static Sampler Create() => new ParentBasedSampler(new HousekeepingSampler());

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
        => samplingParameters.Kind == ActivityKind.Client ? Drop : Sample;
}
