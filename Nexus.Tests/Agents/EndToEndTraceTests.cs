using System.Collections.Concurrent;
using System.Diagnostics;
using Nexus.Contracts;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.Runner;

namespace Nexus.Tests.Agents;

/// <summary>
/// Issue 3 item 6: the trace of a session runs from <c>agent.run</c> in the gateway through the runner and Redis back
/// to the gateway's fan-out as one trace. Gateway and runner run in this process, so one listener sees both.
/// </summary>
public sealed class EndToEndTraceTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public EndToEndTraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Nexus.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task The_fan_out_of_agent_started_continues_the_trace_of_the_agent_run_call()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(redis);
        await using var gateway = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
            ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
        });
        await using var alice = await gateway.ConnectAsync("alice");

        var first = await alice.RunAsync("echo traced");
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, first);
        var second = await alice.RunAsync("echo traced again");
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, second);

        // Other tests run in parallel and are seen by the listener too: everything is found through the session's span.
        var trace1 = await TraceOfSessionAsync(first);
        var trace2 = await TraceOfSessionAsync(second);

        var rpc = await WaitForSpanAsync(a => a.TraceId == trace1 && a.Source.Name == "Nexus.Gateway" && a.DisplayName == "rpc agent.run", "the gateway's rpc agent.run span");
        Assert.Equal(ActivityKind.Server, rpc.Kind);
        Assert.Equal(default, rpc.ParentSpanId);
        Assert.Equal("agent.run", rpc.GetTagItem("rpc.method"));

        var fanout = await WaitForSpanAsync(
            a => a.TraceId == trace1 && a.Source.Name == "Nexus.Gateway" && (string?)a.GetTagItem("nexus.event") == EventNames.AgentStarted,
            "the gateway's fan-out span of agent.started in the trace of agent.run");
        Assert.Equal(ActivityKind.Consumer, fanout.Kind);
        Assert.Equal("process " + Channels.RedisPrefix + Channels.Global, fanout.DisplayName);

        // The runner's publish span sits between the session and the fan-out.
        var publish = await WaitForSpanAsync(a => a.TraceId == trace1 && a.Source.Name == "Nexus.Publisher", "the runner's publish span");
        Assert.Equal(ActivityKind.Producer, publish.Kind);

        // A trace per call, not per connection: the second call of the same connection has a trace of its own.
        Assert.NotEqual(trace1, trace2);
        await WaitForSpanAsync(a => a.TraceId == trace2 && a.DisplayName == "rpc agent.run", "the second call's rpc span");
    }

    [Fact]
    public async Task A_session_that_waits_for_approval_ends_its_span_parked_and_its_resume_continues_the_same_trace()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var runner = await RunnerHost.StartAsync(redis);
        await using var gateway = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["services:agentrunner:http:0"] = runner.Address.GetLeftPart(UriPartial.Authority),
            ["Auth:ServiceKey"] = RunnerHost.ServiceKey,
        });
        await using var alice = await gateway.ConnectAsync("alice");
        await using var bob = await gateway.ConnectAsync("bob");

        var sessionId = await alice.RunAsync("write traced.txt x then echo resumed");
        var requestId = (await bob.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data").GetProperty("requestId").GetString();

        // While it waits, nothing of the session runs: its first span has ended, marked parked (no waiting span, no polls).
        var parked = await WaitForSpanAsync(
            a => a.DisplayName == "agent.session" && (string?)a.GetTagItem("nexus.session.id") == sessionId && (string?)a.GetTagItem("nexus.session.status") == "parked",
            "the parked session span");
        Assert.Equal(false, parked.GetTagItem("nexus.session.resumed"));

        await bob.ResultAsync("approval.respond", new { requestId, decision = "approve" });
        await alice.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        var resumed = await WaitForSpanAsync(
            a => a.DisplayName == "agent.session" && (string?)a.GetTagItem("nexus.session.id") == sessionId && (string?)a.GetTagItem("nexus.session.status") == "completed",
            "the resumed session span");
        Assert.Equal(true, resumed.GetTagItem("nexus.session.resumed"));
        Assert.Equal(parked.TraceId, resumed.TraceId);
        await WaitForSpanAsync(a => a.TraceId == parked.TraceId && a.DisplayName == "rpc agent.run", "the agent.run span of the same trace");
    }

    private async Task<ActivityTraceId> TraceOfSessionAsync(string sessionId)
    {
        var session = await WaitForSpanAsync(
            a => a.Source.Name == "Nexus.AgentRunner" && a.DisplayName == "agent.session" && (string?)a.GetTagItem("nexus.session.id") == sessionId,
            $"the runner's span of session {sessionId}");
        return session.TraceId;
    }

    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match, string what)
    {
        Activity? found = null;
        await Wait.UntilAsync(() => (found = _stopped.FirstOrDefault(match)) is not null, what + Describe(), TimeSpan.FromSeconds(20));
        return found!;
    }

    private string Describe() => "; spans seen: " + string.Join(", ", _stopped.Take(30).Select(a => $"{a.Source.Name}/{a.DisplayName}/{a.TraceId}"));
}
