using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Nexus.Client;

/// <summary>
/// Registers Nexus clients the way <c>AddHttpClient</c> registers HTTP clients: options per name (configurable from
/// code, from configuration with <c>services.Configure&lt;NexusClientOptions&gt;(name, section)</c>, or from other services),
/// and an <see cref="INexusClientFactory"/> that creates a client of a name.
/// </summary>
public static class NexusClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default client: inject <see cref="NexusClient"/> (one per container, disposed with it; call
    /// <see cref="NexusClient.StartAsync"/> once, e.g. from a hosted service).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, with the container at hand (e.g. a token service for <see cref="NexusClientOptions.AccessTokenProvider"/>).</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddNexusClient(this IServiceCollection services, Action<IServiceProvider, NexusClientOptions> configure)
    {
        services.AddNexusClient(Options.DefaultName, configure);
        services.TryAddSingleton(sp => sp.GetRequiredService<INexusClientFactory>().CreateClient(Options.DefaultName));
        return services;
    }

    /// <summary>Registers the default client (<see cref="AddNexusClient(IServiceCollection, Action{IServiceProvider, NexusClientOptions})"/>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddNexusClient(this IServiceCollection services, Action<NexusClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddNexusClient((_, options) => configure(options));
    }

    /// <summary>Registers a named client: <c>factory.CreateClient(name)</c> returns a new one, owned by the caller.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name.</param>
    /// <param name="configure">Sets the options of that name, with the container at hand.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddNexusClient(this IServiceCollection services, string name, Action<IServiceProvider, NexusClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions();
        services.AddOptions<NexusClientOptions>(name).Configure<IServiceProvider>((options, sp) => configure(sp, options));
        services.TryAddSingleton<INexusClientFactory, NexusClientFactory>();
        return services;
    }
}

/// <summary>Creates the clients registered with <c>AddNexusClient</c>, by name.</summary>
public interface INexusClientFactory
{
    /// <summary>A new, not yet started client with the options of <paramref name="name"/>; the caller disposes it.</summary>
    /// <param name="name">The name given to <c>AddNexusClient</c>; <see cref="Options.DefaultName"/> for the default client.</param>
    /// <exception cref="ArgumentException">The options of that name are not valid (e.g. no <see cref="NexusClientOptions.Url"/>).</exception>
    NexusClient CreateClient(string name);
}

internal sealed class NexusClientFactory(IOptionsMonitor<NexusClientOptions> options, ILoggerFactory? loggerFactory = null) : INexusClientFactory
{
    public NexusClient CreateClient(string name)
        => new(options.Get(name), (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NexusClient>());
}
