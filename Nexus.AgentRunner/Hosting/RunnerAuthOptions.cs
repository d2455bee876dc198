namespace Nexus.AgentRunner.Hosting;

/// <summary>
/// Configuration section <c>Auth</c> as the runner reads it (docs/protocol.md sections 5 and 5.1). The token keys are
/// the gateway's own, so a token valid on the socket is valid on the HTTP API and nowhere else.
/// </summary>
internal sealed class RunnerAuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>HS256 key of user tokens (UTF-8, at least 32 bytes). Required outside Development.</summary>
    public string? SigningKey { get; set; }

    /// <summary>When set, a token's <c>iss</c> must equal it.</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, a token's <c>aud</c> must contain it.</summary>
    public string? Audience { get; set; }

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The gateway's service credential (UTF-8, at least 32 bytes): with it, the gateway may name the user it has
    /// authenticated. Required outside Development; without it only user tokens are accepted.
    /// </summary>
    public string? ServiceKey { get; set; }

    /// <summary>When true only approvers (claim <c>nexus:approver</c>) decide approvals; others list only their own sessions' requests.</summary>
    public bool RestrictApprovals { get; set; }
}
