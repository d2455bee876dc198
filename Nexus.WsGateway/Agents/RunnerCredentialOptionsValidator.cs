using System.Text;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Identity;

namespace Nexus.WsGateway.Agents;

/// <summary>Start-up check of <see cref="RunnerCredentialOptions"/>: required outside Development, never too short.</summary>
internal sealed class RunnerCredentialOptionsValidator(IHostEnvironment environment) : IValidateOptions<RunnerCredentialOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerCredentialOptions options)
    {
        const string Key = RunnerCredentialOptions.Section + ":" + nameof(RunnerCredentialOptions.ServiceKey);
        if (string.IsNullOrEmpty(options.ServiceKey))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{Key} is required outside Development (environment '{environment.EnvironmentName}'): "
                    + $"set Auth__ServiceKey to the runner's service key, a secret of at least {ServiceCredential.MinimumKeyBytes} bytes.");
        }

        // The key itself is never part of the message.
        return Encoding.UTF8.GetByteCount(options.ServiceKey) < ServiceCredential.MinimumKeyBytes
            ? ValidateOptionsResult.Fail($"{Key} must be at least {ServiceCredential.MinimumKeyBytes} bytes of UTF-8.")
            : ValidateOptionsResult.Success;
    }
}
