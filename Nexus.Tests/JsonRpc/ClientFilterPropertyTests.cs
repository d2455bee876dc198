using CsCheck;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>ClientFilter against a plain reference model of docs/protocol.md 4.2 over random subscribe/unsubscribe sequences.</summary>
public sealed class ClientFilterPropertyTests
{
    private static readonly string[] Names = ["global", "approval", "agent:s1", "agent:s2", "agent:*", "agent*", "a", "*", "user:*", "user:bob"];
    private static readonly string[] Probes = ["global", "approval", "agent:s1", "agent:s2", "agent:s3", "agentx", "a", "ab", "user:bob", "user:eve", "", "*"];

    [Fact]
    public void Allows_matches_the_reference_model()
    {
        var step = Gen.Select(Gen.Bool, Gen.OneOf(Names).Array[1, 3]);
        step.Array[0, 8].Sample(steps =>
        {
            var filter = ClientFilter.All;
            var model = new Model();
            foreach (var (subscribe, names) in steps)
            {
                filter = subscribe ? filter.Subscribe(names) : filter.Unsubscribe(names);
                model.Apply(subscribe, names);
            }

            foreach (var probe in Probes)
            {
                Assert.Equal(model.Allows(probe), filter.Allows(probe));
            }

            Assert.Equal(model.Include is null, filter.Include is null);
            if (model.Include is not null)
            {
                Assert.True(model.Include.SetEquals(filter.Include!));
            }

            Assert.True(model.Exclude.SetEquals(filter.Exclude));
        }, iter: 2_000);
    }

    /// <summary>The rules as written in the protocol, with sets and LINQ.</summary>
    private sealed class Model
    {
        public HashSet<string>? Include { get; private set; }

        public HashSet<string> Exclude { get; } = [];

        public void Apply(bool subscribe, string[] names)
        {
            if (subscribe)
            {
                Include = Include is null ? [.. names] : [.. Include.Union(names)];
                Exclude.ExceptWith(names);
            }
            else
            {
                Include?.ExceptWith(names);
                Exclude.UnionWith(names);
            }
        }

        public bool Allows(string channel) =>
            (Include is null || Include.Any(n => Matches(n, channel))) && !Exclude.Any(n => Matches(n, channel));

        private static bool Matches(string name, string channel) =>
            name.EndsWith('*') ? channel.StartsWith(name[..^1], StringComparison.Ordinal) : name == channel;
    }
}
