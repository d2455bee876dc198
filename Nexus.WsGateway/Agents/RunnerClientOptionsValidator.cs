using Microsoft.Extensions.Options;

namespace Nexus.WsGateway.Agents;

internal sealed class RunnerClientOptionsValidator : IValidateOptions<RunnerClientOptions>
{
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, RunnerClientOptions options) =>
        options.RunnerTimeout <= TimeSpan.Zero || options.RunnerTimeout > Max
            ? ValidateOptionsResult.Fail($"{RunnerClientOptions.Section}:{nameof(RunnerClientOptions.RunnerTimeout)} must be greater than 0 and at most {Max} (was {options.RunnerTimeout}).")
            : ValidateOptionsResult.Success;
}
