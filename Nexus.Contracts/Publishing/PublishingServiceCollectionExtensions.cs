using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Nexus.Contracts.Publishing;

public static class PublishingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the singleton <see cref="NotificationPublisher"/>. Needs an <see cref="IConnectionMultiplexer"/>
    /// (e.g. Aspire's <c>AddRedisClient</c>); uses <see cref="TimeProvider.System"/> unless one is registered.
    /// </summary>
    public static IServiceCollection AddNotificationPublisher(this IServiceCollection services, Action<NotificationPublisherOptions>? configure = null)
    {
        var options = new NotificationPublisherOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new NotificationPublisher(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<ILogger<NotificationPublisher>>(),
            sp.GetRequiredService<TimeProvider>(),
            options));
        return services;
    }
}
