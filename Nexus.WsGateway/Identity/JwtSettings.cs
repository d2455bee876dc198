using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexus.Contracts.Identity;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// The one place that turns <c>Auth</c> options into what Microsoft's JWT handler needs, for validating tokens at
/// the upgrade and for the development token endpoint. Null <see cref="Validation"/> means tokens are disabled
/// (Development without <c>Auth:SigningKey</c>; outside Development the options validator refuses to start).
/// The handler checks lifetimes against the system clock (its TimeProvider hook is not public); the expiry timer of a
/// connection uses the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class JwtSettings
{
    /// <summary>Claim that marks an approver (docs/protocol.md section 5).</summary>
    public const string ApproverClaim = NexusTokens.ApproverClaim;

    public JwtSettings(IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        ClockSkew = auth.ClockSkew;
        if (string.IsNullOrEmpty(auth.SigningKey))
        {
            return;
        }

        Signing = new SigningCredentials(NexusTokens.CreateKey(auth.SigningKey), SecurityAlgorithms.HmacSha256);
        Issuer = auth.Issuer;
        Audience = auth.Audience;
        // The runner's HTTP API validates with the very same parameters (docs/protocol.md section 5.1).
        Validation = NexusTokens.CreateValidationParameters(auth.SigningKey, auth.Issuer, auth.Audience, auth.ClockSkew);
    }

    public TokenValidationParameters? Validation { get; }

    public SigningCredentials? Signing { get; }

    public string? Issuer { get; }

    public string? Audience { get; }

    public TimeSpan ClockSkew { get; }

    /// <summary>The handler does not map claim names (<c>sub</c> stays <c>sub</c>).</summary>
    public JsonWebTokenHandler Handler { get; } = new() { MapInboundClaims = false };
}
