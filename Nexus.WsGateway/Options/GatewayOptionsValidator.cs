using Microsoft.Extensions.Options;

namespace Nexus.WsGateway.Options;

/// <summary>Start-up validation that names the offending key, so a bad deployment fails loudly and clearly.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    // YARP cuts a proxied connection idle for 100 s (ForwarderRequestConfig.ActivityTimeout).
    private static readonly TimeSpan s_proxyIdleTimeout = TimeSpan.FromSeconds(100);

    // The -32603 that replaces a reply over MaxQueuedBytes (about 110 bytes) and ordinary replies must fit.
    private const long MinQueuedBytes = 1024;

    // Longer would give back what the head timeout takes away: a silent connection held for minutes.
    private static readonly TimeSpan s_maxUpgradeHeadTimeout = TimeSpan.FromMinutes(2);

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        const string P = GatewayOptions.SectionName + ":";

        if (options.MaxPayloadBytes <= 0)
        {
            failures.Add($"{P}{nameof(options.MaxPayloadBytes)} must be positive (was {options.MaxPayloadBytes}).");
        }

        if (options.MaxMessageBytes <= 0)
        {
            failures.Add($"{P}{nameof(options.MaxMessageBytes)} must be positive (was {options.MaxMessageBytes}).");
        }

        if (options.MaxQueuedBytes < MinQueuedBytes)
        {
            failures.Add($"{P}{nameof(options.MaxQueuedBytes)} must be at least {MinQueuedBytes} (was {options.MaxQueuedBytes}).");
        }

        if (options.MaxBatchSize <= 0)
        {
            failures.Add($"{P}{nameof(options.MaxBatchSize)} must be positive (was {options.MaxBatchSize}).");
        }

        if (options.MaxFilterNames <= 0)
        {
            failures.Add($"{P}{nameof(options.MaxFilterNames)} must be positive (was {options.MaxFilterNames}).");
        }

        if (options.UpgradeHeadTimeout <= TimeSpan.Zero || options.UpgradeHeadTimeout > s_maxUpgradeHeadTimeout)
        {
            failures.Add($"{P}{nameof(options.UpgradeHeadTimeout)} must be above zero and at most {s_maxUpgradeHeadTimeout} (was {options.UpgradeHeadTimeout}).");
        }

        if (options.KeepAliveInterval <= TimeSpan.Zero || options.KeepAliveInterval >= s_proxyIdleTimeout)
        {
            failures.Add($"{P}{nameof(options.KeepAliveInterval)} must be above zero and below 100 s, the proxy's idle timeout (was {options.KeepAliveInterval}).");
        }

        if (options.KeepAliveTimeout != Timeout.InfiniteTimeSpan && options.KeepAliveTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{P}{nameof(options.KeepAliveTimeout)} must be positive or infinite (was {options.KeepAliveTimeout}).");
        }

        if (options.CloseTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{P}{nameof(options.CloseTimeout)} must be positive (was {options.CloseTimeout}).");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{P}{nameof(options.ShutdownTimeout)} must be positive (was {options.ShutdownTimeout}).");
        }

        if (!(options.MaxRequestsPerSecond > 0) || double.IsInfinity(options.MaxRequestsPerSecond))
        {
            failures.Add($"{P}{nameof(options.MaxRequestsPerSecond)} must be a positive number (was {options.MaxRequestsPerSecond}).");
        }

        if (options.InitialHold < TimeSpan.Zero || options.InitialHold > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{P}{nameof(options.InitialHold)} must be between 0 and 30 s (was {options.InitialHold}).");
        }

        if (options.ResumeHold < TimeSpan.Zero || options.ResumeHold > TimeSpan.FromSeconds(60))
        {
            failures.Add($"{P}{nameof(options.ResumeHold)} must be between 0 and 60 s (was {options.ResumeHold}).");
        }

        if (options.HistoryCacheEntries < 0 || options.HistoryCacheEntries > 10_000_000)
        {
            failures.Add($"{P}{nameof(options.HistoryCacheEntries)} must be between 0 and 10000000 (was {options.HistoryCacheEntries}).");
        }

        if (options.HistoryCacheBytes < 0)
        {
            failures.Add($"{P}{nameof(options.HistoryCacheBytes)} must not be negative (was {options.HistoryCacheBytes}).");
        }

        if (options.MaxConnectionsPerUser <= 0)
        {
            failures.Add($"{P}{nameof(options.MaxConnectionsPerUser)} must be positive (was {options.MaxConnectionsPerUser}).");
        }

        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            if (!Uri.TryCreate(options.AllowedOrigins[i], UriKind.Absolute, out _))
            {
                failures.Add($"{P}{nameof(options.AllowedOrigins)}:{i} must be an absolute origin such as https://app.example (was '{options.AllowedOrigins[i]}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
