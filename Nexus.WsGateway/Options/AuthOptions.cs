namespace Nexus.WsGateway.Options;

/// <summary>Configuration section <c>Auth</c>: identity of docs/protocol.md section 5.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// Accept <c>?user=&lt;name&gt;</c> without a token. Local development only: start-up fails when it is true in
    /// any environment other than Development.
    /// </summary>
    public bool AllowDevUsers { get; set; }

    /// <summary>
    /// HS256 key of user tokens (its UTF-8 bytes, at least 32). Required outside Development; in Development without
    /// it tokens are refused and only <c>?user=</c> works.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>When set, a token's <c>iss</c> must equal it.</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, a token's <c>aud</c> must contain it.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Allowed difference between the issuer's clock and ours: a token is accepted until <c>exp</c> plus this, and its
    /// socket is closed (1008) at that same instant.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When true only approvers receive the <c>approval</c> channel and may decide approvals.</summary>
    public bool RestrictApprovals { get; set; }
}
