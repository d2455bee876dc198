namespace Nexus.AppHost.Redis;

/// <summary>How the AppHost provides the <c>redis</c> resource (configuration <c>Nexus:Redis:Mode</c>).</summary>
internal enum RedisMode
{
    /// <summary>The container when a container runtime answers, else a local <c>redis-server</c> process.</summary>
    Auto,

    /// <summary>Aspire's Redis container (<c>AddRedis</c>); always used when publishing.</summary>
    Container,

    /// <summary>A local <c>redis-server</c> process, for machines without a container runtime.</summary>
    Process,
}
