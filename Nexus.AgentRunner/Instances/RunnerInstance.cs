using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;

namespace Nexus.AgentRunner.Instances;

/// <summary>The id of this runner process, written into each session it runs and into its heartbeat key.</summary>
internal sealed class RunnerInstance(IOptions<RunnerOptions> options)
{
    public string Id { get; } = options.Value.InstanceId is { Length: > 0 } id
        ? id
        : "runner-" + Guid.NewGuid().ToString("N")[..12];
}
