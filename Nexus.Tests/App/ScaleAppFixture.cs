using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Nexus.Tests.Infrastructure;
using Nexus.Contracts;
using System.Text.Json;
using StackExchange.Redis;

namespace Nexus.Tests.App;

/// <summary>
/// The whole app scaled out (issue 6): two gateway replicas (<c>wsgateway</c>, <c>wsgateway-2</c>, each its own
/// YARP destination) and two runner replicas, started once for every test of <see cref="ScaleAppCollection"/>.
/// </summary>
public sealed class ScaleAppFixture : IAsyncLifetime
{
    public static readonly string[] Gateways = ["wsgateway", "wsgateway-2"];

    private DistributedApplication? _app;
    private ConnectionMultiplexer? _redis;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app did not start.");

    public IConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("The app did not start.");

    public Uri ProxyUri => App.GetEndpoint("proxy", "http");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(NexusAppFixture.StartTimeout);
        var builder = await AppHostTesting.CreateBuilderAsync(
            ["--Nexus:Proxy:Port=0", "--Nexus:Redis:Port=0", "--Nexus:Gateway:Replicas=2", "--Nexus:Runner:Replicas=2"],
            timeout.Token);

        // Without the dashboard nothing listens on the OTLP address Aspire hands the services, and a service's exit
        // then waits 10-17 s for its exporter to give up: longer than the orchestrator waits for a stopped replica.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in (string[])["proxy", "agentrunner", .. Gateways])
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        var connectionString = await _app.GetConnectionStringAsync("redis", timeout.Token);
        _redis = await ConnectionMultiplexer.ConnectAsync(connectionString!);
    }

    internal Task<ScaleClient> ConnectAsync(string user, CancellationToken cancellationToken)
        => ScaleClient.ConnectAsync(ProxyUri, user, cancellationToken);

    /// <summary>
    /// A client of <paramref name="user"/> served by <paramref name="replica"/>. Connections that land elsewhere are
    /// held open until then: the front door counts open sockets, so each one pushes the next toward the other replica.
    /// </summary>
    internal async Task<ScaleClient> ConnectToReplicaAsync(string user, string replica, CancellationToken cancellationToken)
    {
        var elsewhere = new List<ScaleClient>();
        try
        {
            while (true)
            {
                var client = await ConnectAsync(user, cancellationToken);
                if (client.Replica == replica)
                {
                    return client;
                }

                elsewhere.Add(client);
            }
        }
        finally
        {
            foreach (var client in elsewhere)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Waits until the front door hands out connections on every gateway replica (e.g. after a restart).</summary>
    public async Task WaitForAllGatewaysInRotationAsync(CancellationToken cancellationToken)
    {
        foreach (var gateway in Gateways)
        {
            await App.WaitForRestartedAsync(gateway, cancellationToken);
        }

        var seen = new HashSet<string>();
        var held = new List<ScaleClient>();
        try
        {
            while (!seen.SetEquals(Gateways))
            {
                // A user per probe: the per-user connection limit must not be what ends the wait.
                var client = await ConnectAsync($"probe-{Guid.NewGuid():N}", cancellationToken);
                seen.Add(client.Replica);
                held.Add(client);
                if (held.Count >= 40)
                {
                    // The restarted replica is not in rotation yet (YARP probes every few seconds): let go and poll.
                    foreach (var old in held)
                    {
                        await old.DisposeAsync();
                    }

                    held.Clear();
                    await Task.Delay(250, cancellationToken);
                }
            }
        }
        finally
        {
            foreach (var client in held)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Publishes on <c>global</c> until every client has received one of these publishes: from then on every
    /// replica serving them is subscribed, so a single later publish must reach them.
    /// </summary>
    internal async Task WarmUpAsync(IEnumerable<ScaleClient> clients, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        var arrivals = clients.Select(c => c.NextAsync(m => Notify.HasMarker(m, token), cancellationToken)).ToArray();
        var all = Task.WhenAll(arrivals);
        while (!all.IsCompleted)
        {
            await PublishAsync(Channels.Global, "scale.warmup", token);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken));
        }

        foreach (var document in await all)
        {
            document.Dispose();
        }
    }

    public Task<long> PublishAsync(string channel, string eventName, string marker, long sequence = 0)
        => Redis.GetSubscriber().PublishAsync(
            RedisChannel.Literal("nexus:notify:" + channel),
            $$$"""{"event":"{{{eventName}}}","data":{"marker":"{{{marker}}}","seq":{{{sequence}}}}}""");

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        await _app.StopAndDisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ScaleAppCollection : ICollectionFixture<ScaleAppFixture>
{
    public const string Name = "Nexus app scaled out";
}

/// <summary>Reading the <c>notify</c> messages of the scale tests.</summary>
internal static class Notify
{
    public static bool IsEvent(JsonElement message, string eventName)
        => message.TryGetProperty("method", out var method) && method.GetString() == "notify"
            && message.GetProperty("params").GetProperty("event").GetString() == eventName;

    public static JsonElement Data(JsonElement message) => message.GetProperty("params").GetProperty("data");

    /// <summary>A notify whose data carries <c>marker</c> = <paramref name="marker"/>, the scale tests' publishes.</summary>
    public static bool HasMarker(JsonElement message, string marker)
        => message.TryGetProperty("method", out var method) && method.GetString() == "notify"
            && Data(message) is { ValueKind: JsonValueKind.Object } data
            && data.TryGetProperty("marker", out var m) && m.GetString() == marker;
}
