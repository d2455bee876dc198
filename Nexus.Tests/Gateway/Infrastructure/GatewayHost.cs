using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;
using Nexus.WsGateway.Hosting;
using StackExchange.Redis;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>
/// The real gateway (<see cref="GatewayApp.Create"/>: AddWsGateway, MapWsGateway, the Aspire Redis client) on a free
/// loopback port against a real redis-server. Fails the test on unexpected error logs when disposed.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly CapturingLoggerProvider _logs;
    private ConnectionMultiplexer? _publisher;
    private bool _stopped;

    private GatewayHost(WebApplication app, RedisServer redis, CapturingLoggerProvider logs)
    {
        App = app;
        Redis = redis;
        _logs = logs;
        Metrics = new MetricsCapture(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    internal WebApplication App { get; }

    public RedisServer Redis { get; }

    public MetricsCapture Metrics { get; }

    public IReadOnlyCollection<CapturedLog> Logs => _logs.Logs;

    /// <summary>Log categories whose errors are expected in some tests (Redis health checks while Redis is down).</summary>
    public List<string> AllowedErrorCategories { get; } = ["Microsoft.Extensions.Diagnostics.HealthChecks"];

    public Uri HttpAddress { get; private set; } = null!;

    /// <param name="redis">The Redis server of the test.</param>
    /// <param name="settings">Configuration on top of the defaults (which allow <c>?user=</c>).</param>
    /// <param name="environment">
    /// Development by default: <c>?user=</c> identities are refused at start-up in any other environment.
    /// </param>
    /// <param name="configure">Last word on the builder (e.g. a FakeTimeProvider as the TimeProvider).</param>
    public static async Task<GatewayHost> StartAsync(
        RedisServer redis, IDictionary<string, string?>? settings = null, string environment = "Development", Action<WebApplicationBuilder>? configure = null)
    {
        var logs = new CapturingLoggerProvider();
        var app = GatewayApp.Create(["--environment", environment], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var config = new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redis.ConnectionString + ",abortConnect=false,connectTimeout=2000",
                ["Auth:AllowDevUsers"] = "true",
                ["Gateway:CloseTimeout"] = "00:00:02",
                ["Gateway:ShutdownTimeout"] = "00:00:03",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                config[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder);
        });

        var host = new GatewayHost(app, redis, logs);
        using var cts = new CancellationTokenSource(Timeout);
        await app.StartAsync(cts.Token);
        host.HttpAddress = new Uri(app.Urls.First());
        return host;
    }

    public Uri WebSocketUri(string query) => new($"ws://{HttpAddress.Authority}/ws?{query}");

    /// <summary>
    /// Connects and waits until the gateway has registered the socket for the fan-out. The 101 reaches the client
    /// just before that, and a notification published in between is (rightly) not delivered: without this wait a
    /// test that publishes at once races the registration.
    /// </summary>
    public async Task<TestClient> ConnectAsync(string user, bool approver = false)
    {
        var registry = App.Services.GetRequiredService<ConnectionRegistry>();
        var before = registry.CountForUser(user);
        var client = await TestClient.ConnectAsync(WebSocketUri($"user={Uri.EscapeDataString(user)}" + (approver ? "&approver=true" : "")));
        await Wait.UntilAsync(() => registry.CountForUser(user) > before, $"connection of {user} registered");
        return client;
    }

    /// <summary>
    /// Opens a socket with <paramref name="connect"/> (a token, a header, another address) and waits until the gateway
    /// has registered it for <paramref name="user"/>, as <see cref="ConnectAsync(string, bool)"/> does.
    /// </summary>
    public async Task<TestClient> ConnectAsync(string user, Func<Task<TestClient>> connect)
    {
        var registry = App.Services.GetRequiredService<ConnectionRegistry>();
        var before = registry.CountForUser(user);
        var client = await connect();
        await Wait.UntilAsync(() => registry.CountForUser(user) > before, $"connection of {user} registered");
        return client;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = HttpAddress, Timeout = Timeout };

    public async Task<long> PublishAsync(string channel, string payload)
    {
        _publisher ??= await Redis.ConnectAsync();
        return await _publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("nexus:notify:" + channel), payload).WaitAsync(Timeout);
    }

    public async Task<IDatabase> DatabaseAsync()
    {
        _publisher ??= await Redis.ConnectAsync();
        return _publisher.GetDatabase();
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(Timeout);
        await App.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await App.DisposeAsync();
        Metrics.Dispose();
        if (_publisher is not null)
        {
            await _publisher.DisposeAsync();
        }

        var errors = Logs.Where(l => l.Level >= LogLevel.Error && !AllowedErrorCategories.Any(c => l.Category.StartsWith(c, StringComparison.Ordinal))).ToList();
        Assert.True(errors.Count == 0, "Unexpected error logs:\n" + string.Join("\n", errors.Select(e => $"{e.Category}: {e.Message} {e.Exception}")));
    }

    /// <summary>Status code an upgrade attempt got, using a real WebSocket handshake.</summary>
    public async Task<int> UpgradeStatusAsync(string query, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await socket.ConnectAsync(WebSocketUri(query), cts.Token);
        }
        catch (WebSocketException)
        {
            // The status is what the test wants.
        }

        return (int)socket.HttpStatusCode;
    }
}
