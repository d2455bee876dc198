using System.Text;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Identity;

namespace Nexus.AgentRunner.Hosting;

/// <summary>Checks <see cref="RunnerOptions"/> at start-up, naming the bad key.</summary>
internal sealed class RunnerOptionsValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentSessions is < 1 or > 10_000)
        {
            failures.Add($"Runner:MaxConcurrentSessions must be between 1 and 10000 (was {options.MaxConcurrentSessions}).");
        }

        if (options.MaxSessionsPerUser is < 1 or > 10_000)
        {
            failures.Add($"Runner:MaxSessionsPerUser must be between 1 and 10000 (was {options.MaxSessionsPerUser}).");
        }

        if (options.SandboxMaxBytesPerSession is < 1 or > 1L << 34)
        {
            failures.Add($"Runner:SandboxMaxBytesPerSession must be between 1 and 16 GiB (was {options.SandboxMaxBytesPerSession}).");
        }

        if (options.SandboxMaxFilesPerSession is < 1 or > 100_000)
        {
            failures.Add($"Runner:SandboxMaxFilesPerSession must be between 1 and 100000 (was {options.SandboxMaxFilesPerSession}).");
        }

        if (options.MaxTaskLength is < 1 or > 1_000_000)
        {
            failures.Add($"Runner:MaxTaskLength must be between 1 and 1000000 (was {options.MaxTaskLength}).");
        }

        if (string.IsNullOrWhiteSpace(options.SandboxRoot))
        {
            failures.Add("Runner:SandboxRoot must be a folder path.");
        }

        if (options.InstanceId is { Length: > 0 } id && (id.Length > 100 || id.Any(c => char.IsWhiteSpace(c) || c == ':')))
        {
            failures.Add("Runner:InstanceId must be at most 100 characters without spaces or ':'.");
        }

        if (options.RecordRetention < TimeSpan.FromMinutes(1))
        {
            failures.Add("Runner:RecordRetention must be at least 1 minute.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Runner:HeartbeatInterval must be at least 100 ms.");
        }

        if (options.HeartbeatTtl < options.HeartbeatInterval * 2)
        {
            failures.Add("Runner:HeartbeatTtl must be at least twice Runner:HeartbeatInterval.");
        }

        if (options.LeaseDuration < options.HeartbeatInterval * 2 || options.LeaseDuration > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Runner:LeaseDuration must be at least twice Runner:HeartbeatInterval and at most 10 minutes (was {options.LeaseDuration}).");
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Runner:DrainTimeout must be between 0 and 10 minutes (was {options.DrainTimeout}).");
        }

        var model = options.Model;
        if (model.IsConfigured)
        {
            if (!Uri.TryCreate(model.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add("Runner:Model:Endpoint must be an absolute http or https address.");
            }

            if (string.IsNullOrWhiteSpace(model.Name))
            {
                failures.Add("Runner:Model:Name is required when Runner:Model:Endpoint is set.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks <see cref="ApprovalOptions"/> at start-up, naming the bad key.</summary>
internal sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        var failures = new List<string>();
        if (options.Timeout < TimeSpan.FromMilliseconds(100) || options.Timeout > TimeSpan.FromDays(7))
        {
            failures.Add($"Approvals:Timeout must be between 100 ms and 7 days (was {options.Timeout}).");
        }

        if (options.AuditRetention < TimeSpan.FromSeconds(1) || options.AuditRetention > TimeSpan.FromDays(3650))
        {
            failures.Add($"Approvals:AuditRetention must be between 1 second and 3650 days (was {options.AuditRetention}).");
        }

        if (options.SweepInterval < TimeSpan.FromMilliseconds(10) || options.SweepInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Approvals:SweepInterval must be between 10 ms and 10 minutes (was {options.SweepInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Checks <see cref="RunnerAuthOptions"/> at start-up, naming the bad key. Outside Development the runner refuses to
/// start without both keys: it would otherwise accept nobody, or (worse, in an older design) everybody.
/// </summary>
internal sealed class RunnerAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<RunnerAuthOptions>
{
    private static readonly TimeSpan s_maxClockSkew = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, RunnerAuthOptions options)
    {
        var failures = new List<string>();
        var development = environment.IsDevelopment();
        CheckKey(failures, "Auth:SigningKey", options.SigningKey, NexusTokens.MinimumKeyBytes, development);
        CheckKey(failures, "Auth:ServiceKey", options.ServiceKey, ServiceCredential.MinimumKeyBytes, development);
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > s_maxClockSkew)
        {
            failures.Add($"Auth:ClockSkew must be between 0 and {s_maxClockSkew} (was {options.ClockSkew}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void CheckKey(List<string> list, string key, string? value, int minBytes, bool optional)
        {
            if (string.IsNullOrEmpty(value))
            {
                if (!optional)
                {
                    list.Add($"{key} is required outside Development (environment '{environment.EnvironmentName}'): set it to a secret of at least {minBytes} bytes.");
                }
            }
            else if (Encoding.UTF8.GetByteCount(value) < minBytes)
            {
                // The key itself is never part of the message.
                list.Add($"{key} must be at least {minBytes} bytes of UTF-8.");
            }
        }
    }
}
