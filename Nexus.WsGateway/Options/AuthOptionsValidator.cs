using System.Text;
using Microsoft.Extensions.Options;

namespace Nexus.WsGateway.Options;

/// <summary>Start-up validation of <see cref="AuthOptions"/>, naming the offending key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    private const int MinimumKeyBytes = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.SigningKey is { } key && Encoding.UTF8.GetByteCount(key) < MinimumKeyBytes)
        {
            return ValidateOptionsResult.Fail(
                $"{AuthOptions.SectionName}:{nameof(options.SigningKey)} must be at least {MinimumKeyBytes} bytes of UTF-8 (HS256).");
        }

        return ValidateOptionsResult.Success;
    }
}
