using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Nexus.Tests.Identity;

/// <summary>Tokens for tests: good ones signed like an identity provider would, and every kind of bad one.</summary>
internal static class Tokens
{
    public const string Key = "test-signing-key-0123456789-abcdefghijklmnop";
    public const string OtherKey = "another-key-that-is-long-enough-0123456789!!";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "nexus-tests";

    private static readonly JsonWebTokenHandler s_handler = new();

    /// <summary>Gateway settings that accept <see cref="Create"/>'s defaults.</summary>
    public static Dictionary<string, string?> Settings(string? clockSkew = null) => new()
    {
        ["Auth:SigningKey"] = Key,
        ["Auth:Issuer"] = Issuer,
        ["Auth:Audience"] = Audience,
        ["Auth:ClockSkew"] = clockSkew ?? "00:00:00",
    };

    public static string Create(
        string? sub,
        TimeSpan? lifetime = null,
        string key = Key,
        string? issuer = Issuer,
        string? audience = Audience,
        object? approver = null,
        DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now + (lifetime ?? TimeSpan.FromMinutes(10));
        var claims = new Dictionary<string, object>();
        if (approver is not null)
        {
            claims["nexus:approver"] = approver;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Subject = sub is null ? new ClaimsIdentity() : new ClaimsIdentity([new Claim("sub", sub)]),
            Claims = claims,
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp < now ? exp.AddMinutes(-10) : now,
            NotBefore = exp < now ? exp.AddMinutes(-10) : now,
            Expires = exp,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        };
        return s_handler.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with an otherwise valid payload.</summary>
    public static string AlgNone(string sub)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode($$"""{"sub":"{{sub}}","iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{exp}}}""");
        return $"{header}.{payload}.";
    }
}
