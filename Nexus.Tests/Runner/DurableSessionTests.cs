using System.Text.Json;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// Durable sessions (docs/protocol.md section 6, issue 13 items 1, 3 and 9) with runners in this process: a parked session
/// outlives its runner and holds nothing while it waits, a stopping runner drains its running sessions to another
/// replica, and a session taken over from a runner that went silent continues from its checkpoint without running a
/// journaled call again. Kill -9 and SIGSTOP are in DurableSessionProcessTests.
/// </summary>
public sealed class DurableSessionTests : IAsyncLifetime
{
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), "nexus-durable-tests", Guid.NewGuid().ToString("N"));
    private RedisServer _redis = null!;
    private NotifyRecorder _events = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _events = await NotifyRecorder.StartAsync(_redis);
    }

    public async Task DisposeAsync()
    {
        await _events.DisposeAsync();
        await _redis.DisposeAsync();
        if (Directory.Exists(_sandbox))
        {
            Directory.Delete(_sandbox, recursive: true);
        }
    }

    private Dictionary<string, string?> Shared(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Runner:SandboxRoot"] = _sandbox };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task A_parked_session_outlives_its_runner_and_another_runner_completes_it_once_approved()
    {
        var first = await RunnerHost.StartAsync(_redis, Shared());
        var sessionId = await first.RunAsync("alice", "write notes.txt durable then echo saved");
        var requestId = (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;
        await using (var redis = await _redis.ConnectAsync())
        {
            // Parked: the lease is let go and the session is in no index a runner looks at.
            await Wait.UntilAsync(async () => (string?)await redis.GetDatabase().HashGetAsync("nexus:lease:" + sessionId, "holder") == "", "the lease to be let go");
            Assert.Null(await redis.GetDatabase().SortedSetScoreAsync("nexus:leases", sessionId));
            Assert.Equal(SessionStatus.WaitingApproval, (string?)await redis.GetDatabase().HashGetAsync(RedisKeys.Session(sessionId), "status"));
        }

        await first.DisposeAsync();
        Assert.DoesNotContain(_events.ForSession(sessionId), n => n.Event is EventNames.AgentCompleted or EventNames.ApprovalResolved);

        await using var second = await RunnerHost.StartAsync(_redis, Shared());
        var (decided, body) = await second.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(System.Net.HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal("approved", body.GetProperty("decision").GetString());

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal("saved", completed.Data.GetProperty("result").GetString());
        Assert.Equal("durable", await File.ReadAllTextAsync(Path.Combine(_sandbox, sessionId, "notes.txt")));
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentStarted);
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.AgentProgress && n.Data.GetProperty("message").GetString() == "running write_file");

        // Progress steps go on from where the first runner left them.
        var steps = _events.ForSession(sessionId).Where(n => n.Event == EventNames.AgentProgress).Select(n => n.Data.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(steps.Distinct().Order(), steps);
    }

    [Fact]
    public async Task A_stopping_runner_drains_a_running_session_to_another_replica_and_leaves_a_parked_one_parked()
    {
        var stopping = await RunnerHost.StartAsync(_redis, Shared(("Runner:DrainTimeout", "00:00:01")));
        var sleeping = await stopping.RunAsync("alice", "sleep 3 then echo drained");
        var quick = await stopping.RunAsync("alice", "sleep 0.2 then echo finished");
        var waiting = await stopping.RunAsync("alice", "write kept.txt parked");
        var requestId = (await _events.WaitForEventAsync(waiting, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;
        await _events.WaitForEventAsync(sleeping, EventNames.AgentProgress);
        await using var other = await RunnerHost.StartAsync(_redis, Shared());

        await stopping.DisposeAsync();

        // The quick one finished within the drain time; the sleeping one was parked and the other replica finished it.
        var finished = await _events.WaitForEventAsync(quick, EventNames.AgentCompleted);
        Assert.Equal("finished", finished.Data.GetProperty("result").GetString());
        var drained = await _events.WaitForEventAsync(sleeping, EventNames.AgentCompleted, TimeSpan.FromSeconds(30));
        Assert.True(drained.Data.GetProperty("success").GetBoolean(), drained.Data.GetRawText());
        Assert.Equal("drained", drained.Data.GetProperty("result").GetString());
        foreach (var id in new[] { sleeping, quick })
        {
            Assert.Single(_events.ForSession(id), n => n.Event == EventNames.AgentCompleted);
            Assert.DoesNotContain(_events.ForSession(id), n => n.Event == EventNames.AgentError);
        }

        // The parked one was not touched by the stop: still waiting, and it completes once someone approves.
        Assert.DoesNotContain(_events.ForSession(waiting), n => n.Event is EventNames.AgentCompleted or EventNames.ApprovalResolved);
        var (decided, _) = await other.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(System.Net.HttpStatusCode.OK, decided.StatusCode);
        Assert.True((await _events.WaitForEventAsync(waiting, EventNames.AgentCompleted)).Data.GetProperty("success").GetBoolean());
        Assert.Equal("parked", await File.ReadAllTextAsync(Path.Combine(_sandbox, waiting, "kept.txt")));
    }

    [Fact]
    public async Task A_session_taken_over_from_a_silent_runner_continues_from_its_checkpoint_without_rerunning_a_journaled_call()
    {
        // What a runner that went silent after its first tool call leaves behind: the checkpoint from before the call,
        // the call's result in the journal, and a lease that ran out.
        await using (var redis = await _redis.ConnectAsync())
        {
            var db = redis.GetDatabase();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await db.HashSetAsync(RedisKeys.Session("s_silent"),
            [
                new("owner", "alice"), new("task", "echo one then echo two"), new("status", SessionStatus.Running),
                new("startedAt", now - 5000), new("runner", "runner-silent"), new("steps", 1),
            ]);
            await db.SetAddAsync("nexus:sessions:active", "s_silent");
            await db.SetAddAsync(RedisKeys.UserLiveSessions("alice"), "s_silent");
            await db.HashSetAsync("nexus:lease:s_silent", [new("fence", 4), new("holder", "runner-silent"), new("until", now - 1000)]);
            await db.SortedSetAddAsync("nexus:leases", "s_silent", now - 1000);
            await db.StringSetAsync("nexus:conversation:s_silent", """[{"role":"user","contents":[{"$type":"text","text":"echo one then echo two"}]}]""");
            await db.HashSetAsync("nexus:journal:s_silent",
            [
                new("c:step-1", """{"name":"echo","arguments":{"text":"one"}}"""), new("o:step-1", 1), new("r:step-1", "\"one, from the journal\""), new("seq", 1),
            ]);
        }

        await using var runner = await RunnerHost.StartAsync(_redis, Shared());

        var completed = await _events.WaitForEventAsync("s_silent", EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
        Assert.Equal("two", completed.Data.GetProperty("result").GetString());

        // Only the second call ran; the resumed session announced no second start; its steps went on from 1.
        var progress = Assert.Single(_events.ForSession("s_silent"), n => n.Event == EventNames.AgentProgress);
        Assert.Equal("running echo", progress.Data.GetProperty("message").GetString());
        Assert.Equal(2, progress.Data.GetProperty("step").GetInt32());
        Assert.DoesNotContain(_events.ForSession("s_silent"), n => n.Event == EventNames.AgentStarted);
        await using var check = await _redis.ConnectAsync();
        Assert.Equal(5, (long)await check.GetDatabase().HashGetAsync("nexus:lease:s_silent", "fence"));
        Assert.False(await check.GetDatabase().KeyExistsAsync("nexus:journal:s_silent"));
        Assert.False(await check.GetDatabase().KeyExistsAsync("nexus:conversation:s_silent"));
    }

    [Fact]
    public async Task Sessions_of_a_live_runner_are_left_alone()
    {
        await using var first = await RunnerHost.StartAsync(_redis);
        var sessionId = await first.RunAsync("alice", "sleep 30");
        await _events.WaitForEventAsync(sessionId, EventNames.AgentProgress);

        await using var second = await RunnerHost.StartAsync(_redis);

        // Several heartbeats (1 s) and pickups of the second runner pass, and the lease (3 s) would have run out thrice
        // had it not been renewed; the session must still run on the first, under its first fence.
        await _events.WaitForAsync(n => n.Event == EventNames.AgentProgress && n.SessionId == sessionId && n.Data.GetProperty("step").GetInt32() >= 9, "nine progress steps");
        Assert.DoesNotContain(_events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        await using (var redis = await _redis.ConnectAsync())
        {
            Assert.Equal(1, (long)await redis.GetDatabase().HashGetAsync("nexus:lease:" + sessionId, "fence"));
        }

        // Cancel through the other replica: the request reaches the runner that runs it.
        var (response, _) = await second.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "alice");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted, TimeSpan.FromSeconds(5));
        Assert.Equal(CompletionReasons.Cancelled, completed.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Cancelling_a_parked_session_ends_it_on_any_replica_and_expires_its_request_once()
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        var sessionId = await runner.RunAsync("alice", "write x.txt y");
        var requestId = (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;

        var (accepted, body) = await runner.PostAsync($"/api/sessions/{sessionId}/cancel", new { }, "alice");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("cancelling", body.GetProperty("status").GetString());

        var completed = await _events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.Equal(CompletionReasons.Cancelled, completed.Data.GetProperty("reason").GetString());
        var resolved = Assert.Single(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);
        Assert.Equal("expired", resolved.Data.GetProperty("decision").GetString());

        // The session's quota slot is free again, and the request's audit record says the tool never ran.
        await using var redis = await _redis.ConnectAsync();
        Assert.False(await redis.GetDatabase().SetContainsAsync(RedisKeys.UserLiveSessions("alice"), sessionId));
        var (_, audit) = await runner.GetAsync("/api/approvals?state=decided", "alice");
        var record = Assert.Single(audit.GetProperty("approvals").EnumerateArray(), r => r.GetProperty("requestId").GetString() == requestId);
        Assert.False(record.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.Equal(JsonValueKind.Number, record.GetProperty("decidedAt").ValueKind);
    }
}
