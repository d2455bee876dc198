namespace Nexus.AgentRunner.Durable;

/// <summary>A session this runner just took the lease of, with the fencing number it was given.</summary>
internal readonly record struct ClaimedSession(string SessionId, long Fence);
