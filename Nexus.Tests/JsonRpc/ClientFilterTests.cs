using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.JsonRpc;

/// <summary>The filter rules of docs/protocol.md 4.2, table-driven.</summary>
public sealed class ClientFilterTests
{
    private static readonly string[] Channels = ["global", "approval", "agent:s1", "agent:s2", "user:alice", "other", "agentx"];

    // Each step is "+a,b" (subscribe) or "-a,b" (unsubscribe); expected lists the channels of Channels delivered after all steps.
    [Theory]
    [InlineData("", "global approval agent:s1 agent:s2 user:alice other agentx")]
    [InlineData("+global", "global")]
    [InlineData("+global|+approval", "global approval")]
    [InlineData("+agent:*", "agent:s1 agent:s2")]
    [InlineData("+agent*", "agent:s1 agent:s2 agentx")]
    [InlineData("+*", "global approval agent:s1 agent:s2 user:alice other agentx")]
    [InlineData("-global", "approval agent:s1 agent:s2 user:alice other agentx")]
    [InlineData("-agent:*", "global approval user:alice other agentx")]
    [InlineData("-*", "")]
    [InlineData("+agent:*|-agent:s2", "agent:s1")]
    [InlineData("-agent:s2|+agent:*", "agent:s1")]
    [InlineData("-agent:s2|+agent:s2", "agent:s2")]
    [InlineData("+global|-global", "")]
    [InlineData("+global|-global|+approval", "approval")]
    [InlineData("+*|-global", "approval agent:s1 agent:s2 user:alice other agentx")]
    [InlineData("-agent:*|+agent:s1", "")]
    [InlineData("-agent:*|+agent:*", "agent:s1 agent:s2")]
    [InlineData("+global,global", "global")]
    [InlineData("+agent:s1", "agent:s1")]
    [InlineData("+agent:s1*", "agent:s1")]
    public void Steps_give_the_expected_deliveries(string steps, string expected)
    {
        var filter = Apply(ClientFilter.All, steps);
        var delivered = Channels.Where(filter.Allows);
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), delivered);
    }

    [Fact]
    public void Subscribe_from_all_sets_include_and_leaves_exclude()
    {
        var filter = ClientFilter.All.Unsubscribe(["global", "other"]).Subscribe(["global", "approval"]);
        Assert.Equal(["global", "approval"], filter.Include);
        Assert.Equal(["other"], filter.Exclude);
    }

    [Fact]
    public void Subscribe_to_a_list_is_a_union_without_duplicates()
    {
        var filter = ClientFilter.All.Subscribe(["a", "b"]).Subscribe(["b", "c"]);
        Assert.Equal(["a", "b", "c"], filter.Include);
        Assert.Empty(filter.Exclude);
    }

    [Fact]
    public void Unsubscribe_with_include_null_keeps_it_null()
    {
        var filter = ClientFilter.All.Unsubscribe(["a"]).Unsubscribe(["a", "b"]);
        Assert.Null(filter.Include);
        Assert.Equal(["a", "b"], filter.Exclude);
    }

    [Fact]
    public void Emptied_include_delivers_nothing_until_the_next_subscribe()
    {
        var emptied = ClientFilter.All.Subscribe(["global"]).Unsubscribe(["global"]);
        Assert.NotNull(emptied.Include);
        Assert.Empty(emptied.Include);
        Assert.DoesNotContain(Channels, emptied.Allows);

        var again = emptied.Subscribe(["approval"]);
        Assert.Equal(["approval"], Channels.Where(again.Allows));
    }

    [Fact]
    public void Filters_are_immutable()
    {
        var before = ClientFilter.All;
        _ = before.Subscribe(["global"]);
        _ = before.Unsubscribe(["global"]);
        Assert.Null(before.Include);
        Assert.Empty(before.Exclude);
    }

    [Fact]
    public void Allows_does_not_allocate()
    {
        var filter = ClientFilter.All.Subscribe(["global", "agent:*", "user:alice"]).Unsubscribe(["agent:s2", "x*"]);
        _ = filter.Allows("agent:s1");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var delivered = 0;
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var channel in Channels)
            {
                delivered += filter.Allows(channel) ? 1 : 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(30_000, delivered);
    }

    internal static ClientFilter Apply(ClientFilter filter, string steps)
    {
        foreach (var step in steps.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var names = step[1..].Split(',');
            filter = step[0] == '+' ? filter.Subscribe(names) : filter.Unsubscribe(names);
        }

        return filter;
    }
}
