using CsCheck;
using Nexus.Contracts.Redis;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>
/// Entitlement (docs/protocol.md section 2, issue 4 item 4) as a property: for random users, connections, approver flags,
/// session owners, filters and published channels, a connection receives a notification exactly when it is entitled
/// to the channel and its filter allows it. One gateway (approvals restricted) and one Redis serve every iteration;
/// names carry the iteration's prefix so iterations cannot see each other.
/// </summary>
public sealed class IsolationPropertyTests : IAsyncLifetime
{
    private static readonly string[] s_channels =
        ["global", "approval", "other", "user:u0", "user:u1", "user:u2", "user:ghost", "agent:s0", "agent:s1", "agent:s2"];

    private static readonly string[] s_filterNames =
        ["*", "global", "approval", "other", "user:*", "agent:*", "user:u0", "user:u1", "agent:s0", "agent:s1", "agent:*x"];

    private RedisServer _redis = null!;
    private GatewayHost _host = null!;
    private int _iteration;

    private sealed record FilterOp(bool Subscribe, string[] Names);

    private sealed record ConnectionSpec(int User, bool Approver, FilterOp[] Ops);

    private sealed record Scenario(ConnectionSpec[] Connections, int[] SessionOwners, string[] Published);

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _host = await GatewayHost.StartAsync(_redis, new Dictionary<string, string?> { ["Auth:RestrictApprovals"] = "true" });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task No_notification_reaches_a_connection_not_entitled_to_it_and_every_entitled_allowed_one_gets_it()
    {
        var op = Gen.Select(Gen.Bool, Gen.OneOf(s_filterNames).Array[1, 2], (s, n) => new FilterOp(s, n));
        var connection = Gen.Select(Gen.Int[0, 2], Gen.Bool, op.Array[0, 2], (u, a, o) => new ConnectionSpec(u, a, o));
        var scenario = Gen.Select(connection.Array[2, 5], Gen.Int[-1, 2].Array[3], Gen.OneOf(s_channels).Array[3, 6], (c, s, p) => new Scenario(c, s, p));

        await scenario.SampleAsync(RunAsync, iter: 30, threads: 1);
    }

    private async Task RunAsync(Scenario scenario)
    {
        var prefix = $"i{Interlocked.Increment(ref _iteration)}-";
        string Qualify(string name) => name.StartsWith("user:u", StringComparison.Ordinal) || name.StartsWith("agent:s", StringComparison.Ordinal)
            ? name[..(name.IndexOf(':', StringComparison.Ordinal) + 1)] + prefix + name[(name.IndexOf(':', StringComparison.Ordinal) + 1)..]
            : name;
        string? Owner(string sessionChannel) => scenario.SessionOwners[sessionChannel[^1] - '0'] is var o and >= 0 ? $"{prefix}u{o}" : null;

        var db = await _host.DatabaseAsync();
        for (var s = 0; s < scenario.SessionOwners.Length; s++)
        {
            if (scenario.SessionOwners[s] >= 0)
            {
                await db.HashSetAsync(RedisKeys.Session($"{prefix}s{s}"), RedisKeys.SessionOwnerField, $"{prefix}u{scenario.SessionOwners[s]}");
            }
        }

        var clients = new List<(TestClient Client, string User, bool Approver, Filter Filter)>();
        try
        {
            foreach (var spec in scenario.Connections)
            {
                var user = $"{prefix}u{spec.User}";
                var client = await _host.ConnectAsync(user, spec.Approver);
                var filter = new Filter();
                clients.Add((client, user, spec.Approver, filter));
                var id = 0;
                foreach (var change in spec.Ops)
                {
                    var names = change.Names.Select(Qualify).ToArray();
                    filter.Apply(change.Subscribe, names);
                    var method = change.Subscribe ? "notify.subscribe" : "notify.unsubscribe";
                    var requestId = ++id;
                    var list = System.Text.Json.JsonSerializer.Serialize(names);
                    await client.SendTextAsync($$$"""{"jsonrpc":"2.0","id":{{{requestId}}},"method":"{{{method}}}","params":{"channels":{{{list}}}}}""");
                    await client.WaitForMessageAsync(m => m.TryGetProperty("id", out var r) && r.GetInt32() == requestId && m.TryGetProperty("result", out _), $"{method} answered");
                }
            }

            bool Entitled(string user, bool approver, string channel) => channel switch
            {
                "approval" => approver,
                _ when channel.StartsWith("user:", StringComparison.Ordinal) => channel == "user:" + user,
                _ when channel.StartsWith("agent:", StringComparison.Ordinal) => Owner(channel) == user,
                _ => true,
            };

            var published = scenario.Published.Select((c, i) => (Channel: Qualify(c), Event: $"{prefix}e{i}")).ToArray();
            foreach (var (channel, name) in published)
            {
                await _host.PublishAsync(channel, $$"""{"event":"{{name}}"}""");
            }

            // A sentinel per channel, after the messages: order per channel means that whoever gets the sentinel
            // already got everything before it on that channel.
            var channels = published.Select(p => p.Channel).Distinct().ToArray();
            foreach (var channel in channels)
            {
                await _host.PublishAsync(channel, $$"""{"event":"{{prefix}}sentinel:{{channel}}"}""");
            }

            foreach (var (client, user, approver, filter) in clients)
            {
                foreach (var channel in channels.Where(c => Entitled(user, approver, c) && filter.Allows(c)))
                {
                    await client.WaitForEventAsync($"{prefix}sentinel:{channel}", TimeSpan.FromSeconds(10));
                }
            }

            foreach (var (client, user, approver, filter) in clients)
            {
                foreach (var (channel, name) in published)
                {
                    var expected = Entitled(user, approver, channel) && filter.Allows(channel);
                    Assert.True(
                        expected == client.HasEvent(name),
                        $"{user} (approver {approver}, filter {filter}) {(expected ? "missed" : "received")} {name} on {channel}");
                }
            }
        }
        finally
        {
            foreach (var (client, _, _, _) in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>The filter rules of docs/protocol.md section 4.2, written out independently of the gateway's ClientFilter.</summary>
    private sealed class Filter
    {
        private List<string>? _include;
        private readonly List<string> _exclude = [];

        public void Apply(bool subscribe, string[] names)
        {
            if (subscribe)
            {
                _include = _include is null ? [.. names.Distinct()] : [.. _include.Union(names)];
                _exclude.RemoveAll(names.Contains);
            }
            else
            {
                _include?.RemoveAll(names.Contains);
                _exclude.AddRange(names.Except(_exclude));
            }
        }

        public bool Allows(string channel)
            => (_include is null || _include.Any(n => Matches(n, channel))) && !_exclude.Any(n => Matches(n, channel));

        public override string ToString() => $"include [{(_include is null ? "all" : string.Join(",", _include))}] exclude [{string.Join(",", _exclude)}]";

        private static bool Matches(string name, string channel)
            => name.EndsWith('*') ? channel.StartsWith(name[..^1], StringComparison.Ordinal) : name == channel;
    }
}
