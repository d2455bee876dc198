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
internal readonly record struct IdentityResult(IdentityResultKind Kind, string? UserId, bool IsApprover, string? FailureReason)
{
    public static IdentityResult None => default;

    public static IdentityResult Authenticated(string userId, bool isApprover) => new(IdentityResultKind.Authenticated, userId, isApprover, null);

    public static IdentityResult Failed(string reason) => new(IdentityResultKind.Failed, null, false, reason);
}
