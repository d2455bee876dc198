using Microsoft.Extensions.Options;

namespace Nexus.Proxy.FrontDoor;

internal sealed class FrontDoorOptionsValidator : IValidateOptions<FrontDoorOptions>
{
    public ValidateOptionsResult Validate(string? name, FrontDoorOptions options)
    {
        var failures = new List<string>();
        if (!IsHttpUrl(options.GatewayAddress))
        {
            failures.Add($"{FrontDoorOptions.SectionName}:GatewayAddress '{options.GatewayAddress}' must be an absolute http(s) URL.");
        }

        for (var i = 0; i < options.GatewayAddresses.Count; i++)
        {
            if (!IsHttpUrl(options.GatewayAddresses[i]))
            {
                failures.Add($"{FrontDoorOptions.SectionName}:GatewayAddresses:{i} '{options.GatewayAddresses[i]}' must be an absolute http(s) URL.");
            }
        }

        if (!IsHttpUrl(options.RunnerAddress))
        {
            failures.Add($"{FrontDoorOptions.SectionName}:RunnerAddress '{options.RunnerAddress}' must be an absolute http(s) URL.");
        }

        if (options.ActivityTimeout < TimeSpan.FromSeconds(31))
        {
            failures.Add($"{FrontDoorOptions.SectionName}:ActivityTimeout {options.ActivityTimeout} must be longer than the gateway's 30 s ping interval.");
        }

        if (options.HealthCheckInterval < TimeSpan.FromSeconds(1) || options.HealthCheckInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{FrontDoorOptions.SectionName}:HealthCheckInterval {options.HealthCheckInterval} must be between 1 s and 1 min.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
