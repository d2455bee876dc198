using Microsoft.Extensions.Options;

namespace Nexus.AgentRunner.Hosting;

/// <summary>Checks <see cref="GaugeOptions"/> at start-up, naming the bad key.</summary>
internal sealed class GaugeOptionsValidator : IValidateOptions<GaugeOptions>
{
    public ValidateOptionsResult Validate(string? name, GaugeOptions options)
        => options.Interval < TimeSpan.FromMilliseconds(100) || options.Interval > TimeSpan.FromMinutes(5)
            ? ValidateOptionsResult.Fail($"{GaugeOptions.SectionName}:Interval must be between 100 ms and 5 minutes (was {options.Interval}).")
            : ValidateOptionsResult.Success;
}
