namespace Nexus.Contracts;

/// <summary>Channel names of docs/protocol.md section 2.</summary>
public static class Channels
{
    /// <summary>Prefix of every Redis channel the gateway listens to (section 1).</summary>
    public const string RedisPrefix = "nexus:notify:";

    /// <summary>The pattern of the gateway's single subscription.</summary>
    public const string RedisPattern = RedisPrefix + "*";

    public const string Global = "global";
    public const string Approval = "approval";
    public const string AgentPrefix = "agent:";
    public const string UserPrefix = "user:";

    public static string Agent(string sessionId) => AgentPrefix + sessionId;

    public static string User(string userId) => UserPrefix + userId;

    public static string ToRedis(string channel) => RedisPrefix + channel;
}
