namespace Nexus.AgentRunner.Sessions;

/// <summary>How a session ends: its final status, agent.completed's success, result and reason, and the agent.error text.</summary>
internal sealed record SessionEnd(string Status, bool Success, string? Result, string? Reason, string? Error);
