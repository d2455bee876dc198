namespace Nexus.WsGateway.Identity;

internal enum IdentityResultKind
{
    /// <summary>The request carries nothing this provider understands.</summary>
    None,

    Authenticated,

    /// <summary>The request carries credentials of this provider's kind, and they are not acceptable.</summary>
    Failed,
}

/// <summary>What an <see cref="IConnectionIdentityProvider"/> concluded about an upgrade request.</summary>
/// <param name="Kind">None, authenticated or failed.</param>
/// <param name="UserId">The authenticated user.</param>
/// <param name="IsApprover">May decide approvals when they are restricted.</param>
/// <param name="FailureReason">For the client and the log; never contains the credential itself.</param>
/// <param name="FailureKind">Low-cardinality tag of the <c>nexus.gateway.auth.failures</c> metric.</param>
/// <param name="ExpiresAt">When the credential stops being valid (a token's <c>exp</c> plus the clock skew); null: never.</param>
internal readonly record struct IdentityResult(
    IdentityResultKind Kind,
    string? UserId,
    bool IsApprover,
    string? FailureReason,
    string? FailureKind = null,
    DateTimeOffset? ExpiresAt = null)
{
    public static IdentityResult None => default;

    public static IdentityResult Authenticated(string userId, bool isApprover, DateTimeOffset? expiresAt = null)
        => new(IdentityResultKind.Authenticated, userId, isApprover, null, null, expiresAt);

    public static IdentityResult Failed(string reason, string kind = "invalid") => new(IdentityResultKind.Failed, null, false, reason, kind);
}
