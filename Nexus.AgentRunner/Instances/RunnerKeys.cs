namespace Nexus.AgentRunner.Instances;

/// <summary>Redis keys only runners use (the shared ones are in Nexus.Contracts' RedisKeys).</summary>
internal static class RunnerKeys
{
    /// <summary>String with a TTL: present while the runner instance is alive.</summary>
    public static string Heartbeat(string instanceId) => "nexus:runner:" + instanceId;

    /// <summary>Set of the ids of sessions that are running or waiting for approval, on any instance.</summary>
    public const string ActiveSessions = "nexus:sessions:active";

    /// <summary>Internal pub/sub channel (not under nexus:notify:, so clients never see it) asking runners to cancel a session.</summary>
    public const string CancelChannel = "nexus:runner-cancel";
}
