using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Nexus.Contracts.Identity;

/// <summary>
/// The user tokens of docs/protocol.md section 5, in one place: the gateway checks them at the upgrade and the runner
/// checks them on its HTTP API (section 5.1) with the same parameters, so the two can never disagree on who a token names.
/// </summary>
public static class NexusTokens
{
    /// <summary>The claim that names the user.</summary>
    public const string SubjectClaim = "sub";

    /// <summary>A claim that, when <c>true</c> (boolean or the string "true"), marks a user allowed to decide approvals.</summary>
    public const string ApproverClaim = "nexus:approver";

    /// <summary>HS256 keys shorter than this many UTF-8 bytes are refused at start-up.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>The longest user id (<c>sub</c>) accepted.</summary>
    public const int MaxUserIdLength = 128;

    /// <summary>
    /// Validation of a user token: HS256 only (so "none" and every other algorithm are refused), signed, with an
    /// expiry, within <paramref name="clockSkew"/>, and with the issuer and audience when they are configured.
    /// </summary>
    public static TokenValidationParameters CreateValidationParameters(string signingKey, string? issuer, string? audience, TimeSpan clockSkew)
        => new()
        {
            IssuerSigningKey = CreateKey(signingKey),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = clockSkew,
            ValidateIssuer = !string.IsNullOrEmpty(issuer),
            ValidIssuer = issuer,
            ValidateAudience = !string.IsNullOrEmpty(audience),
            ValidAudience = audience,
            ValidateIssuerSigningKey = true,
        };

    public static SymmetricSecurityKey CreateKey(string signingKey) => new(Encoding.UTF8.GetBytes(signingKey));

    /// <summary>Whether a claim value of <see cref="ApproverClaim"/> grants the approver role.</summary>
    public static bool IsApproverValue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="userId"/> can name a user: not blank, at most <see cref="MaxUserIdLength"/> characters.</summary>
    public static bool IsValidUserId(string? userId) => !string.IsNullOrWhiteSpace(userId) && userId.Length <= MaxUserIdLength;
}
