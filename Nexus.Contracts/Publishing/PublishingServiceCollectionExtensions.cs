using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Contracts.History;
using StackExchange.Redis;

namespace Nexus.Contracts.Publishing;

public static class PublishingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the singleton <see cref="NotificationPublisher"/> and the history's function library, loaded at start
    /// (<see cref="AddNexusHistory"/>). Needs an <see cref="IConnectionMultiplexer"/> (e.g. Aspire's <c>AddRedisClient</c>);
    /// uses <see cref="TimeProvider.System"/> unless one is registered.
    /// </summary>
    public static IServiceCollection AddNotificationPublisher(this IServiceCollection services, Action<NotificationPublisherOptions>? configure = null)
    {
        var options = new NotificationPublisherOptions();
        configure?.Invoke(options);
        services.AddNexusHistory();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new NotificationPublisher(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<ILogger<NotificationPublisher>>(),
            sp.GetRequiredService<TimeProvider>(),
            options,
            sp.GetRequiredService<HistoryFunctionLoader>()));
        return services;
    }

    /// <summary>
    /// Options <c>History</c> (bound and validated at start) and the <see cref="HistoryFunctionLoader"/>, which loads the
    /// <c>nexus</c> function library at start: every Nexus service calls this (docs/protocol.md section 1.1).
    /// </summary>
    public static IServiceCollection AddNexusHistory(this IServiceCollection services)
    {
        services.AddOptions<HistoryOptions>().BindConfiguration(HistoryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        services.TryAddSingleton<HistoryFunctionLoader>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HistoryFunctionLoader>(sp => sp.GetRequiredService<HistoryFunctionLoader>()));
        return services;
    }
}
