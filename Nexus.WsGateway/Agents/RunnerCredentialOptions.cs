namespace Nexus.WsGateway.Agents;

/// <summary>
/// The gateway's credential towards the runner (docs/protocol.md section 5.1): <c>Auth:ServiceKey</c>, the secret the
/// runner also holds. With it the gateway may name the user it authenticated; without it the runner answers 401.
/// </summary>
internal sealed class RunnerCredentialOptions
{
    public const string Section = "Auth";

    /// <summary>UTF-8, at least 32 bytes. Required outside Development (the AppHost generates it).</summary>
    public string? ServiceKey { get; set; }
}
