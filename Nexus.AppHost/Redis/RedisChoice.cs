namespace Nexus.AppHost.Redis;

/// <summary>Which Redis the AppHost runs, and why (logged at start).</summary>
internal sealed record RedisChoice(RedisMode Mode, string Reason)
{
    /// <summary>
    /// Publish mode always describes the container: a local process cannot be deployed. Otherwise configuration
    /// wins, then whether a container runtime answers.
    /// </summary>
    public static async Task<RedisChoice> ChooseAsync(IDistributedApplicationBuilder builder, RedisHostingOptions options)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new(RedisMode.Container, "publish mode always describes the Redis container");
        }

        if (options.Mode != RedisMode.Auto)
        {
            return new(options.Mode, $"configured by Nexus:Redis:Mode={options.Mode}");
        }

        var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]
            ?? builder.Configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"]
            ?? "docker";
        var (answers, reason) = await ContainerRuntimeProbe.ProbeAsync(runtime);
        return answers
            ? new(RedisMode.Container, reason)
            : new(RedisMode.Process, $"{reason}; using a local redis-server process");
    }
}
