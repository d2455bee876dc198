using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nexus.Contracts.Publishing;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.History;
using Nexus.WsGateway.Identity;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Redis;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Hosting;

/// <summary>The gateway's registrations and endpoints; <see cref="GatewayApp"/> reads as the table of contents.</summary>
internal static class GatewayExtensions
{
    public const string WebSocketPath = "/ws";

    /// <summary>
    /// Everything the gateway needs except the Redis client (<c>AddRedisClient("redis")</c>, which provides
    /// <c>IConnectionMultiplexer</c> and the Redis health check) and the service defaults.
    /// </summary>
    public static TBuilder AddWsGateway<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;

        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayState>();

        // Connections: the upgrade endpoint, identity, the registry the fan-out reads.
        services.AddSingleton<OriginPolicy>();
        // Identity providers are asked in registration order: a presented token decides before ?user= is looked at.
        services.AddSingleton<JwtSettings>();
        services.AddSingleton<IConnectionIdentityProvider, JwtIdentityProvider>();
        services.AddSingleton<IConnectionIdentityProvider, DevUserIdentityProvider>();
        services.AddSingleton<DevTokenEndpoint>();
        services.AddSingleton<UserConnectionLimiter>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ConnectionServices>();
        services.AddSingleton<WebSocketEndpoint>();
        services.AddSingleton<DirectHostFilter>();
        services.AddSingleton<DirectUpgradeMiddleware>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, DirectUpgradeSetup>();
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<GatewayOptions>>(
            (sockets, gateway) => sockets.UnsafePreferInlineScheduling = gateway.Value.InlineSocketScheduling);

        // JSON-RPC engine: the dispatcher, its methods and the runner client.
        services.AddJsonRpc();

        // Event bus and fan-out; GatewayShutdown closes the sockets in StoppingAsync, before anything stops.
        services.AddNexusHistory();
        // Resume and catch-up (docs/protocol.md sections 1.1 and 4.2): the history this gateway keeps, the Redis reads
        // behind it, the fan-out's commands and the notify.resume method, which needs all of these.
        services.AddSingleton(sp =>
        {
            var gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var history = new NotificationHistory(gateway.HistoryCacheEntries, gateway.HistoryCacheBytes);
            sp.GetRequiredService<GatewayMetrics>().ObserveHistoryCache(() => history.Count);
            return history;
        });
        services.AddSingleton<IHistoryReader, HistoryReader>();
        services.AddSingleton<HistoryReplay>();
        services.AddSingleton<ReplayEntitlement>();
        services.AddSingleton<FanoutCommands>();
        services.AddSingleton<IJsonRpcMethod, NotifyResumeMethod>();
        services.AddSingleton<INotificationSource, RedisNotificationSource>();
        services.AddSingleton<ISessionOwnerLookup, RedisSessionOwnerLookup>();
        services.AddSingleton<NotificationFanout>();
        services.AddHostedService<RedisConnectionMonitor>();
        services.AddHostedService<FanoutWorker>();
        services.AddHostedService<GatewayShutdown>();
        return builder;
    }

    /// <summary>Maps <c>/ws</c> (docs/protocol.md section 3) and, in Development only, <c>POST /dev/token</c>.</summary>
    public static WebApplication MapWsGateway(this WebApplication app)
    {
        app.UseWebSockets();
        var endpoint = app.Services.GetRequiredService<WebSocketEndpoint>();
        app.Map(WebSocketPath, endpoint.HandleAsync);
        DevTokenEndpoint.MapIfEnabled(app);
        return app;
    }
}
