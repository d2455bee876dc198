namespace Nexus.AppHost.Redis;

/// <summary>Configuration section <c>Nexus:Redis</c>.</summary>
internal sealed class RedisHostingOptions
{
    public RedisMode Mode { get; set; } = RedisMode.Auto;

    /// <summary>Fixed host port in run mode (so <c>redis-cli -p</c> is easy to type); 0 or absent lets Aspire pick one.</summary>
    public int? Port { get; set; }

    /// <summary>When set, Redis keeps its data there (append-only file); otherwise nothing outlives the app.</summary>
    public string? DataDirectory { get; set; }
}
