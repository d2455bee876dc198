namespace Nexus.WsGateway.Agents;

/// <summary>How the gateway calls the AgentRunner; bound to the <c>Gateway</c> section (only the keys read here).</summary>
internal sealed class RunnerClientOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// The most one JSON-RPC call waits for the runner, retries included (<c>Gateway:RunnerTimeout</c>).
    /// Past it the caller gets -32005 instead of a hung request.
    /// </summary>
    public TimeSpan RunnerTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
