using System.Text;
using Microsoft.Extensions.Options;

namespace Nexus.WsGateway.Options;

/// <summary>
/// Start-up validation of <see cref="AuthOptions"/>, naming the offending key. Outside Development the gateway
/// refuses to start without a signing key, since no client could then be authenticated, unless development users
/// were turned on explicitly (a test rig or a benchmark; <see cref="Identity.DevUsersWarning"/> says so at every start).
/// PROTOCOL.md section 5 only asks that nothing turns them on by default outside Development, so an explicit
/// setting is honoured rather than refused.
/// </summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public const int MinimumKeyBytes = 32;

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

        if (string.IsNullOrEmpty(options.SigningKey) && !development && !options.AllowDevUsers)
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
