using Microsoft.Extensions.Configuration;
using Nexus.AppHost.Redis;

namespace Nexus.AppHost.Hosting;

/// <summary>Configuration section <c>Nexus</c> of the AppHost (appsettings.json, environment <c>Nexus__...</c>, or arguments).</summary>
internal sealed class NexusHostOptions
{
    public RedisHostingOptions Redis { get; set; } = new();

    public ServiceHostingOptions Gateway { get; set; } = new();

    public ServiceHostingOptions Runner { get; set; } = new();

    public ProxyHostingOptions Proxy { get; set; } = new();

    /// <summary>Reads and validates the section; a bad value stops the AppHost with the key that is wrong.</summary>
    public static NexusHostOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Nexus");
        NexusHostOptions options;
        try
        {
            options = section.Get<NexusHostOptions>() ?? new();
        }
        catch (InvalidOperationException ex)
        {
            throw new DistributedApplicationException($"Invalid configuration in section 'Nexus': {ex.Message}", ex);
        }

        RequireRange("Nexus:Gateway:Replicas", options.Gateway.Replicas, 1, 64);
        RequireRange("Nexus:Runner:Replicas", options.Runner.Replicas, 1, 64);
        RequireRange("Nexus:Proxy:Port", options.Proxy.Port ?? 0, 0, 65535);
        RequireRange("Nexus:Redis:Port", options.Redis.Port ?? 0, 0, 65535);
        return options;
    }

    private static void RequireRange(string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new DistributedApplicationException($"Configuration '{key}' is {value}; it must be between {min} and {max}.");
        }
    }
}

/// <summary>Sections <c>Nexus:Gateway</c> and <c>Nexus:Runner</c>.</summary>
internal sealed class ServiceHostingOptions
{
    public int Replicas { get; set; } = 1;
}

/// <summary>Section <c>Nexus:Proxy</c>.</summary>
internal sealed class ProxyHostingOptions
{
    /// <summary>The front door's fixed port in run mode; 0 or absent lets Aspire pick one (the tests do).</summary>
    public int? Port { get; set; }
}
