namespace Nexus.AgentRunner.Agent;

/// <summary>What a tool may know and do about the session it runs in.</summary>
internal interface ISessionContext
{
    string SessionId { get; }

    /// <summary>The session's own folder and its quota; the folder is created on first use.</summary>
    SessionSandbox Sandbox { get; }

    /// <summary>Publishes <c>agent.progress</c> on the session's channel.</summary>
    Task ReportProgressAsync(string message, CancellationToken cancellationToken);
}
