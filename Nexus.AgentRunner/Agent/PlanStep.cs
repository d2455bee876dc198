namespace Nexus.AgentRunner.Agent;

/// <summary>One tool call of a planned task: the tool's name and its arguments.</summary>
internal sealed record PlanStep(string Tool, IReadOnlyDictionary<string, object?> Arguments);

/// <summary>A task the planner does not understand; the message says which step and why (shown in agent.error).</summary>
internal sealed class PlanException(string message) : Exception(message);
