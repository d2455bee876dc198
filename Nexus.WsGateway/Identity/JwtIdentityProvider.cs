using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexus.Contracts.Identity;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// JWT identity of docs/protocol.md section 5: HS256, from <c>Authorization: Bearer</c> or, for browsers (which cannot set
/// headers on a WebSocket), the <c>access_token</c> query parameter; the header wins when both are sent.
/// A presented token is decisive: a bad one is refused even when <c>?user=</c> is also present.
/// Failure reasons are our own words, never the handler's message or the token.
/// </summary>
internal sealed class JwtIdentityProvider(JwtSettings settings) : IConnectionIdentityProvider
{
    private const string BearerPrefix = "Bearer ";
    private const int MaxUserIdLength = NexusTokens.MaxUserIdLength;

    public async ValueTask<IdentityResult> AuthenticateAsync(HttpContext context)
    {
        var token = ReadToken(context.Request, out var malformed);
        if (malformed is not null)
        {
            return IdentityResult.Failed(malformed, "malformed");
        }

        if (token is null)
        {
            return IdentityResult.None;
        }

        if (settings.Validation is null)
        {
            return IdentityResult.Failed("tokens are not accepted: Auth:SigningKey is not configured", "not_configured");
        }

        var result = await settings.Handler.ValidateTokenAsync(token, settings.Validation);
        if (!result.IsValid)
        {
            var kind = Classify(result.Exception);
            return IdentityResult.Failed($"invalid token ({kind.Replace('_', ' ')})", kind);
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var subject = jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) ? sub : null;
        if (string.IsNullOrWhiteSpace(subject) || subject.Length > MaxUserIdLength)
        {
            return IdentityResult.Failed($"invalid token (sub must name the user in 1 to {MaxUserIdLength} characters)", "no_sub");
        }

        return IdentityResult.Authenticated(subject, IsApprover(jwt), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + settings.ClockSkew);
    }

    /// <summary>The raw token, or null when none was sent; <paramref name="malformed"/> says why a sent one is unusable.</summary>
    private static string? ReadToken(HttpRequest request, out string? malformed)
    {
        malformed = null;
        var header = request.Headers.Authorization;
        if (!StringValues.IsNullOrEmpty(header))
        {
            var value = header.ToString();
            if (header.Count != 1 || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || value.Length == BearerPrefix.Length)
            {
                malformed = "the Authorization header must be 'Bearer <token>'";
                return null;
            }

            return value[BearerPrefix.Length..].Trim();
        }

        if (request.Query.TryGetValue("access_token", out var query))
        {
            if (query.Count != 1 || string.IsNullOrWhiteSpace(query.ToString()))
            {
                malformed = "access_token must be given once and not be empty";
                return null;
            }

            return query.ToString();
        }

        return null;
    }

    private static bool IsApprover(JsonWebToken jwt)
        => (jwt.TryGetPayloadValue<bool>(JwtSettings.ApproverClaim, out var flag) && flag)
            || (jwt.TryGetPayloadValue<string>(JwtSettings.ApproverClaim, out var text) && string.Equals(text, "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>Metric tag and client-facing reason; the exception's own message may carry token details.</summary>
    private static string Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not_yet_valid",
        SecurityTokenNoExpirationException => "no_expiry",
        SecurityTokenInvalidAudienceException => "wrong_audience",
        SecurityTokenInvalidIssuerException => "wrong_issuer",
        SecurityTokenInvalidAlgorithmException => "wrong_algorithm",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "bad_signature",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "invalid",
    };
}
