using System.Text;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Identity;

namespace Nexus.WsGateway.Options;

/// <summary>
/// Start-up validation of <see cref="AuthOptions"/>, naming the offending key. Outside Development the gateway refuses
/// to start without a signing key, since no client could then be authenticated, and refuses development users
/// outright: with <c>?user=</c> anyone could claim any user (docs/protocol.md section 5).
/// </summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public const int MinimumKeyBytes = NexusTokens.MinimumKeyBytes;

    private static readonly TimeSpan s_maxClockSkew = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        const string P = AuthOptions.SectionName + ":";
        var development = environment.IsDevelopment();

        if (options.SigningKey is { } key && Encoding.UTF8.GetByteCount(key) < MinimumKeyBytes)
        {
            // The key itself is never part of the message.
            failures.Add($"{P}{nameof(options.SigningKey)} must be at least {MinimumKeyBytes} bytes of UTF-8 (HS256).");
        }

        if (options.AllowDevUsers && !development)
        {
            failures.Add($"{P}{nameof(options.AllowDevUsers)} must not be true outside Development (environment '{environment.EnvironmentName}'): "
                + "with it anyone could claim any user with ?user=. Use signed tokens (Auth:SigningKey).");
        }

        if (string.IsNullOrEmpty(options.SigningKey) && !development)
        {
            failures.Add($"{P}{nameof(options.SigningKey)} is required outside Development (environment '{environment.EnvironmentName}'): "
                + $"set Auth__SigningKey to a secret of at least {MinimumKeyBytes} bytes.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > s_maxClockSkew)
        {
            failures.Add($"{P}{nameof(options.ClockSkew)} must be between 0 and {s_maxClockSkew} (was {options.ClockSkew}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
