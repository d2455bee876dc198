using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.AppHost.Redis;

internal static class NexusRedisExtensions
{
    /// <summary>
    /// The Redis every service shares (issue 2): Aspire's container or a local process, as <paramref name="choice"/>
    /// says. Both hand the services <c>ConnectionStrings__{name}</c> and a health check for <c>WaitFor</c>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddNexusRedis(
        this IDistributedApplicationBuilder builder, string name, RedisChoice choice, RedisHostingOptions options)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Nexus.AppHost.Redis");
            RedisLog.RedisModeChosen(logger, choice.Mode, choice.Reason);
            return Task.CompletedTask;
        });

        // Fixed ports are a development convenience; a deployment gets its ports from the platform.
        var port = builder.ExecutionContext.IsRunMode && options.Port is > 0 ? options.Port : null;

        if (choice.Mode == RedisMode.Process)
        {
            return builder.AddRedisServer(name, port, options.DataDirectory);
        }

        var container = builder.AddRedis(name, port);
        if (builder.ExecutionContext.IsPublishMode)
        {
            // The history, the approvals and the sessions live in Redis (docs/protocol.md sections 1.1 and 6): a deployed
            // Redis keeps them on a volume, snapshotted every 10 s when anything changed, so a restart of its container
            // loses at most the last 10 s (docs/scaling.md; a managed Redis with append-only persistence loses less).
            container.WithDataVolume().WithPersistence(TimeSpan.FromSeconds(10), keysChangedThreshold: 1);
        }
        else if (options.DataDirectory is not null)
        {
            container.WithDataBindMount(Path.GetFullPath(options.DataDirectory, builder.AppHostDirectory)).WithPersistence();
        }

        return container;
    }
}
