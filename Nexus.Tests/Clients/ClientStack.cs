using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Client;
using Nexus.Contracts.History;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Identity;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;
using Nexus.WsGateway.Connections;
using StackExchange.Redis;

namespace Nexus.Tests.Clients;

/// <summary>
/// What the client tests talk to: a real redis-server, the real runner and the real gateway in-process (Kestrel on
/// loopback), the gateway on a port of its own that survives <see cref="RestartGatewayAsync"/>, so that a client
/// reconnects to the same address. The gateway accepts dev users (<c>?user=</c>) and the tokens of <see cref="Tokens"/>.
/// </summary>
public sealed class ClientStack : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private ConnectionMultiplexer? _redisClient;

    private ClientStack(RedisServer redis, RunnerHost runner, Dictionary<string, string?> settings, int port)
    {
        Redis = redis;
        Runner = runner;
        _settings = settings;
        GatewayPort = port;
    }

    public RedisServer Redis { get; }

    public RunnerHost Runner { get; }

    public GatewayHost Gateway { get; private set; } = null!;

    public int GatewayPort { get; }

    public Uri SocketUrl => new($"ws://127.0.0.1:{GatewayPort}/ws");

    public static async Task<ClientStack> StartAsync(IDictionary<string, string?>? gatewaySettings = null)
    {
        var redis = await RedisServer.StartAsync();
        var runner = await RunnerHost.StartAsync(redis);
        var settings = Tokens.Settings(clockSkew: "00:00:00");
        // What Aspire hands the gateway (services__agentrunner__http__0), read by the service discovery configuration provider.
        settings["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority);
        settings["Auth:ServiceKey"] = RunnerHost.ServiceKey;
        foreach (var (key, value) in gatewaySettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var stack = new ClientStack(redis, runner, settings, RedisServer.FreeTcpPort());
        stack.Gateway = await stack.StartGatewayAsync();
        return stack;
    }

    /// <summary>Options for a client of <paramref name="user"/> (a dev user) with short reconnect delays.</summary>
    public NexusClientOptions Options(string? user, bool approver = false) => new()
    {
        Url = SocketUrl,
        DevUser = user,
        DevApprover = approver,
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
        CallTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>A started client of <paramref name="user"/>, once the gateway has registered it for the fan-out.</summary>
    public async Task<NexusClient> ConnectAsync(string user, bool approver = false, Action<NexusClientOptions>? configure = null)
    {
        var options = Options(user, approver);
        configure?.Invoke(options);
        var client = new NexusClient(options);
        await StartAndRegisterAsync(client, user);
        return client;
    }

    /// <summary>
    /// Starts <paramref name="client"/> and waits until the gateway registered it: the 101 reaches the client just before
    /// that, and a notification published in between is (rightly) not delivered live.
    /// </summary>
    public async Task StartAndRegisterAsync(NexusClient client, string user)
    {
        var registry = Gateway.App.Services.GetRequiredService<ConnectionRegistry>();
        var before = registry.CountForUser(user);
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await client.StartAsync(cts.Token);
        await Wait.UntilAsync(() => registry.CountForUser(user) > before, $"connection of {user} registered");
    }

    public async Task RestartGatewayAsync()
    {
        await StopGatewayAsync();
        Gateway = await StartGatewayAsync();
    }

    /// <summary>Stops the gateway (its sockets close with 1001); <see cref="StartGatewayAsync"/> brings one back on the same port.</summary>
    public async Task StopGatewayAsync() => await Gateway.DisposeAsync();

    public async Task<GatewayHost> StartGatewayAsync()
    {
        var port = GatewayPort;
        Gateway = await GatewayHost.StartAsync(Redis, _settings, configure: b => b.WebHost.UseUrls($"http://127.0.0.1:{port}"));
        return Gateway;
    }

    public async Task<IDatabase> DatabaseAsync()
    {
        _redisClient ??= await Redis.ConnectAsync();
        return _redisClient.GetDatabase();
    }

    /// <summary>A durable publish (<c>FCALL nexus_publish</c>, docs/protocol.md section 1.1); returns the notification's id.</summary>
    public async Task<string> PublishAsync(string channel, string payload)
    {
        var db = await DatabaseAsync();
        return (string)(await db.ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, channel, payload).WaitAsync(GatewayHost.Timeout))!;
    }

    /// <summary>Publishes an event with <paramref name="data"/> durably.</summary>
    public Task<string> PublishEventAsync(string channel, string eventName, object? data = null)
        => PublishAsync(channel, JsonSerializer.Serialize(new { @event = eventName, data }));

    /// <summary>The history as Redis holds it: every durable notification's id and channel, oldest first.</summary>
    public async Task<IReadOnlyList<(string EntryId, string Channel)>> HistoryAsync()
    {
        var db = await DatabaseAsync();
        return [.. (await db.StreamRangeAsync(RedisHistoryKeys.Stream)).Select(e => (e.Id.ToString(), e["c"].ToString()))];
    }

    /// <summary>Makes Redis forget the history, as when it restarts without persistence: every id given so far is gone.</summary>
    public async Task LoseHistoryAsync()
    {
        var db = await DatabaseAsync();
        await db.KeyDeleteAsync([RedisHistoryKeys.Stream, RedisHistoryKeys.Meta]);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Runner.DisposeAsync();
        if (_redisClient is not null)
        {
            await _redisClient.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    /// <summary>The stream entry id (<c>ms-seq</c>) of a notification id.</summary>
    public static string EntryId(string notificationId)
        => HistoryId.TryParse(notificationId, out var id) ? id.Value.EntryId : throw new FormatException(notificationId);
}
