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
        if (options.DataDirectory is not null && builder.ExecutionContext.IsRunMode)
        {
            container.WithDataBindMount(Path.GetFullPath(options.DataDirectory, builder.AppHostDirectory)).WithPersistence();
        }

        return container;
    }
}
