namespace Nexus.WsGateway.Options;

/// <summary>Configuration section <c>Auth</c>: identity of PROTOCOL.md section 5.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Accept <c>?user=&lt;name&gt;</c> without a token. Local development only; never the default.</summary>
    public bool AllowDevUsers { get; set; }

    /// <summary>HS256 key (UTF-8, at least 32 bytes) for JWTs; used by the identity issue.</summary>
    public string? SigningKey { get; set; }

    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    /// <summary>When true only approvers receive the <c>approval</c> channel and may decide approvals.</summary>
    public bool RestrictApprovals { get; set; }
}
