using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Nexus.Tests.Infrastructure;
using Nexus.Tests.JsonRpc;
using Nexus.WsGateway.Agents;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.Tests.Agents;

/// <summary>agent.* and approval.* against a fake AgentRunner on real Kestrel (docs/protocol.md 4.2, 4.3; issue 3 item 2).</summary>
public sealed class AgentMethodsTests(FakeRunner runner) : IClassFixture<FakeRunner>, IAsyncLifetime
{
    // Generous for the calls that should succeed (a first call on a busy 2-core machine JITs a lot);
    // the timeout tests use their own short one.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);
    private GatewayMethods _gateway = null!;

    public Task InitializeAsync()
    {
        _gateway = new GatewayMethods(runner.BaseAddress, Timeout);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private Task<JsonElement?> Call(string method, string parameters, string user = "alice", bool approver = false, GatewayMethods? gateway = null) =>
        Rpc.CallAsync((gateway ?? _gateway).Dispatcher, $$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{parameters}},"id":1}""", TestMethods.Client(user, approver));

    [Fact]
    public async Task Run_creates_a_session_owned_by_the_caller_with_an_idempotency_key()
    {
        var response = await Call("agent.run", """{"task":"echo hi"}""");

        var sessionId = response!.Value.GetProperty("result").GetProperty("sessionId").GetString();
        var request = runner.Requests.Last(r => r.Target == "/api/sessions" && r.Body.Contains("echo hi", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(request.IdempotencyKey));
        Assert.Equal($"s_alice_{request.IdempotencyKey}", sessionId);
        Assert.Equal("alice", request.User);
        Assert.Equal("false", request.Approver);
        using var body = JsonDocument.Parse(request.Body);
        Assert.False(body.RootElement.TryGetProperty("owner", out _));
        Assert.Equal("echo hi", body.RootElement.GetProperty("task").GetString());
    }

    [Fact]
    public async Task Run_retried_after_503_sends_the_same_idempotency_key_and_answers_once()
    {
        var response = await Call("agent.run", """{"task":"fail-once"}""");

        var sessionId = response!.Value.GetProperty("result").GetProperty("sessionId").GetString();
        var attempts = runner.Requests.Where(r => r.Body.Contains("fail-once", StringComparison.Ordinal)).ToList();
        var key = attempts[^1].IdempotencyKey!;
        Assert.Equal($"s_alice_{key}", sessionId);
        Assert.Equal(2, runner.AttemptsFor(key));
        Assert.Equal(2, attempts.Count(a => a.IdempotencyKey == key));
    }

    [Fact]
    public async Task Two_runs_get_two_keys()
    {
        await Call("agent.run", """{"task":"twice"}""");
        await Call("agent.run", """{"task":"twice"}""");

        var keys = runner.Requests.Where(r => r.Body.Contains("\"twice\"", StringComparison.Ordinal)).Select(r => r.IdempotencyKey).Distinct().ToList();
        Assert.Equal(2, keys.Count);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"task":""}""")]
    [InlineData("""{"task":"  "}""")]
    [InlineData("""{"task":5}""")]
    [InlineData("""{"task":null}""")]
    public async Task Run_with_a_bad_task_is_32602_and_never_reaches_the_runner(string parameters)
    {
        var before = runner.Requests.Count;
        var response = await Call("agent.run", parameters);
        Rpc.AssertInvalidParam(response!.Value, "task");
        Assert.Equal(before, runner.Requests.Count);
    }

    [Fact]
    public async Task Run_with_an_idempotency_key_sends_it_as_is_so_a_retry_gets_the_same_session()
    {
        var first = await Call("agent.run", """{"task":"echo keyed","idempotencyKey":"client-key-1"}""");
        var again = await Call("agent.run", """{"task":"echo keyed","idempotencyKey":"client-key-1"}""");

        Assert.Equal("s_alice_client-key-1", first!.Value.GetProperty("result").GetProperty("sessionId").GetString());
        Assert.Equal("s_alice_client-key-1", again!.Value.GetProperty("result").GetProperty("sessionId").GetString());
        Assert.Equal(2, runner.Requests.Count(r => r.Target == "/api/sessions" && r.IdempotencyKey == "client-key-1"));
    }

    [Theory]
    [InlineData("""{"task":"echo","idempotencyKey":""}""")]
    [InlineData("""{"task":"echo","idempotencyKey":"   "}""")]
    [InlineData("""{"task":"echo","idempotencyKey":5}""")]
    [InlineData("""{"task":"echo","idempotencyKey":["k"]}""")]
    public async Task Run_with_a_bad_idempotency_key_is_32602_and_never_reaches_the_runner(string parameters)
    {
        var before = runner.Requests.Count;
        Rpc.AssertInvalidParam((await Call("agent.run", parameters))!.Value, "idempotencyKey");
        Assert.Equal(before, runner.Requests.Count);
    }

    [Fact]
    public async Task Run_accepts_an_idempotency_key_of_100_characters_and_refuses_101()
    {
        var key = new string('k', 100);
        var ok = await Call("agent.run", $$"""{"task":"echo","idempotencyKey":"{{key}}"}""");
        Assert.True(ok!.Value.TryGetProperty("result", out _));
        Rpc.AssertInvalidParam((await Call("agent.run", $$"""{"task":"echo","idempotencyKey":"{{key}}k"}"""))!.Value, "idempotencyKey");
    }

    [Fact]
    public async Task Approval_list_of_decided_requests_returns_audit_records_and_forwards_session_and_limit()
    {
        var response = await Call("approval.list", """{"state":"decided","sessionId":"s 9","limit":5}""", user: "ann", approver: true);

        var record = Assert.Single(response!.Value.GetProperty("result").GetProperty("approvals").EnumerateArray());
        Assert.Equal("s 9", record.GetProperty("sessionId").GetString());
        Assert.Equal("approved", record.GetProperty("decision").GetString());
        Assert.Equal("bob", record.GetProperty("by").GetString());
        Assert.Equal("fine", record.GetProperty("reason").GetString());
        Assert.Equal(1764345700000, record.GetProperty("decidedAt").GetInt64());
        Assert.True(record.GetProperty("outcome").GetProperty("executed").GetBoolean());
        Assert.Equal("wrote 2 bytes to a.txt", record.GetProperty("outcome").GetProperty("result").GetString());
        Assert.Contains(runner.Requests, r => r.Target == "/api/approvals?state=decided&sessionId=s%209&limit=5" && r.User == "ann" && r.Approver == "true");
    }

    [Theory]
    [InlineData("""{"state":"open"}""", "state")]
    [InlineData("""{"state":5}""", "state")]
    [InlineData("""{"sessionId":""}""", "sessionId")]
    [InlineData("""{"sessionId":7}""", "sessionId")]
    [InlineData("""{"limit":0}""", "limit")]
    [InlineData("""{"limit":101}""", "limit")]
    [InlineData("""{"limit":2.5}""", "limit")]
    [InlineData("""{"limit":"10"}""", "limit")]
    public async Task Approval_list_checks_its_params_before_asking_the_runner(string parameters, string param)
    {
        var before = runner.Requests.Count;
        Rpc.AssertInvalidParam((await Call("approval.list", parameters))!.Value, param);
        Assert.Equal(before, runner.Requests.Count);
    }

    [Fact]
    public async Task Cancel_answers_cancelling()
    {
        var response = await Call("agent.cancel", """{"sessionId":"s_1"}""");
        Rpc.AssertResult(response!.Value, """{"sessionId":"s_1","status":"cancelling"}""", "1");
        var request = runner.Requests.Last(r => r.Target == "/api/sessions/s_1/cancel");
        Assert.Equal("alice", request.User);
    }

    [Fact]
    public async Task Cancel_of_an_unknown_session_is_32002()
    {
        var response = await Call("agent.cancel", """{"sessionId":"missing"}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.NotFound, "1");
    }

    [Fact]
    public async Task Cancel_by_a_non_owner_is_32001_and_by_the_owner_succeeds()
    {
        Rpc.AssertError((await Call("agent.cancel", """{"sessionId":"s_bob"}""", user: "alice"))!.Value, JsonRpcErrorCodes.Forbidden, "1");
        Rpc.AssertResult((await Call("agent.cancel", """{"sessionId":"s_bob"}""", user: "bob"))!.Value, """{"sessionId":"s_bob","status":"cancelling"}""", "1");
    }

    [Fact]
    public async Task Ids_in_paths_and_user_headers_are_escaped()
    {
        await Call("agent.cancel", """{"sessionId":"a/b c?d"}""");
        var list = await Call("agent.list", "{}", user: "al ice&x=1\u00e9");
        Assert.Contains(runner.Requests, r => r.Target == "/api/sessions/a%2Fb%20c%3Fd/cancel");
        Assert.Contains(runner.Requests, r => r.Target == "/api/sessions" && r.User == "al%20ice%26x%3D1%C3%A9");
        Assert.True(list!.Value.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task List_returns_the_callers_sessions()
    {
        var response = await Call("agent.list", "{}", user: "carol");
        var sessions = response!.Value.GetProperty("result").GetProperty("sessions");
        var session = Assert.Single(sessions.EnumerateArray());
        Assert.Equal("s_1", session.GetProperty("sessionId").GetString());
        Assert.Equal("completed", session.GetProperty("status").GetString());
        Assert.Equal(1764345600000, session.GetProperty("startedAt").GetInt64());
        Assert.Contains(runner.Requests, r => r.Target == "/api/sessions" && r.User == "carol");
    }

    [Fact]
    public async Task Approval_list_returns_pending_requests_with_their_arguments()
    {
        var response = await Call("approval.list", "{}");
        var approval = Assert.Single(response!.Value.GetProperty("result").GetProperty("approvals").EnumerateArray());
        Assert.Equal("r_1", approval.GetProperty("requestId").GetString());
        Assert.Equal("a.txt", approval.GetProperty("arguments").GetProperty("file").GetString());
        Assert.Equal(1764345900000, approval.GetProperty("expiresAt").GetInt64());
    }

    [Theory]
    [InlineData("approve", "approved")]
    [InlineData("deny", "denied")]
    public async Task Respond_resolves(string decision, string decided)
    {
        var response = await Call("approval.respond", $$"""{"requestId":"r_1","decision":"{{decision}}","reason":"ok"}""", user: "bob");
        Rpc.AssertResult(response!.Value, $$"""{"requestId":"r_1","decision":"{{decided}}","status":"resolved"}""", "1");
        var request = runner.Requests.Last(r => r.Target == "/api/approvals/r_1/decision");
        Assert.Equal("bob", request.User);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.False(body.TryGetProperty("by", out _));
        Assert.Equal("ok", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Respond_to_an_unknown_request_is_32002()
    {
        Rpc.AssertError((await Call("approval.respond", """{"requestId":"missing","decision":"approve"}"""))!.Value, JsonRpcErrorCodes.NotFound, "1");
    }

    [Fact]
    public async Task Respond_to_a_resolved_request_is_32003_with_the_final_state()
    {
        var response = await Call("approval.respond", """{"requestId":"done","decision":"approve"}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.Conflict, "1");
        var data = response.Value.GetProperty("error").GetProperty("data");
        Assert.Equal("done", data.GetProperty("requestId").GetString());
        Assert.Equal("expired", data.GetProperty("status").GetString());
        Assert.Equal("system", data.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Runner_400_is_32602_naming_the_runners_param()
    {
        Rpc.AssertInvalidParam((await Call("approval.respond", """{"requestId":"invalid","decision":"deny"}"""))!.Value, "reason");
    }

    [Theory]
    [InlineData("""{"requestId":"missing","decision":"maybe"}""", "decision")]
    [InlineData("""{"requestId":"missing","decision":"APPROVE"}""", "decision")]
    [InlineData("""{"requestId":"missing"}""", "decision")]
    [InlineData("""{"requestId":"missing","decision":"approve","reason":5}""", "reason")]
    [InlineData("""{"decision":"approve"}""", "requestId")]
    [InlineData("""{"requestId":"","decision":"approve"}""", "requestId")]
    [InlineData("""{"requestId":7,"decision":"approve"}""", "requestId")]
    public async Task Respond_checks_params_before_looking_anything_up(string parameters, string param)
    {
        var before = runner.Requests.Count;
        Rpc.AssertInvalidParam((await Call("approval.respond", parameters))!.Value, param);
        Assert.Equal(before, runner.Requests.Count);
    }

    [Theory]
    [InlineData("agent.cancel", """{}""", "sessionId")]
    [InlineData("agent.cancel", """{"sessionId":1}""", "sessionId")]
    [InlineData("agent.list", """[]""", "params")]
    [InlineData("approval.list", """["x"]""", "params")]
    public async Task Other_methods_check_params_first(string method, string parameters, string param)
    {
        var before = runner.Requests.Count;
        Rpc.AssertInvalidParam((await Call(method, parameters))!.Value, param);
        Assert.Equal(before, runner.Requests.Count);
    }

    [Fact]
    public async Task The_approver_flag_reaches_the_runner_and_its_403_is_32001()
    {
        await Call("approval.list", "{}", user: "ann", approver: true);
        await Call("approval.list", "{}", user: "ned", approver: false);
        Assert.Contains(runner.Requests, r => r.Target == "/api/approvals" && r.User == "ann" && r.Approver == "true");
        Assert.Contains(runner.Requests, r => r.Target == "/api/approvals" && r.User == "ned" && r.Approver == "false");

        Rpc.AssertError((await Call("approval.respond", """{"requestId":"forbidden","decision":"approve"}"""))!.Value, JsonRpcErrorCodes.Forbidden, "1");
    }

    [Fact]
    public async Task Runner_429_is_32004_with_the_limit()
    {
        var response = await Call("agent.run", """{"task":"quota"}""");
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.RateLimited, "1");
        var data = response.Value.GetProperty("error").GetProperty("data");
        Assert.Equal("sessions_per_user", data.GetProperty("limit").GetString());
        Assert.Equal(8, data.GetProperty("max").GetInt32());
        // A refusal is answered once: the resilience pipeline does not retry it.
        var key = runner.Requests.Last(r => r.Body.Contains("\"quota\"", StringComparison.Ordinal)).IdempotencyKey!;
        Assert.Equal(1, runner.AttemptsFor(key));
    }

    [Fact]
    public async Task A_flood_of_refused_runs_leaves_the_circuit_closed_for_everyone_else()
    {
        // The standard breaker opens at a 10 % failure ratio over at least 100 calls in 30 s: 150 refusals would open it
        // if a 429 counted as a failure, and the next call would then be -32005 without reaching the runner.
        await using var gateway = new GatewayMethods(runner.BaseAddress, Timeout);
        for (var i = 0; i < 150; i++)
        {
            Rpc.AssertError((await Call("agent.run", """{"task":"quota"}""", user: "flooder", gateway: gateway))!.Value, JsonRpcErrorCodes.RateLimited, "1");
        }

        var before = runner.Requests.Count;
        Rpc.AssertResult(
            (await Call("approval.respond", """{"requestId":"r_1","decision":"approve"}""", user: "bob", gateway: gateway))!.Value,
            """{"requestId":"r_1","decision":"approved","status":"resolved"}""",
            "1");
        Rpc.AssertResult((await Call("agent.cancel", """{"sessionId":"s_1"}""", user: "bob", gateway: gateway))!.Value, """{"sessionId":"s_1","status":"cancelling"}""", "1");
        Assert.Equal(before + 2, runner.Requests.Count);
    }

    [Fact]
    public async Task Without_the_runners_service_key_the_call_is_refused_and_answered_32603_with_an_error_log()
    {
        var logs = new Gateway.Infrastructure.CapturingLoggerProvider();
        await using var gateway = new GatewayMethods(runner.BaseAddress, Timeout, serviceKey: "a-wrong-service-key-that-is-long-enough-0123", logs: logs);
        Rpc.AssertError((await Call("agent.list", "{}", gateway: gateway))!.Value, JsonRpcErrorCodes.InternalError, "1");
        Assert.Contains(logs.Logs, l => l.Level == LogLevel.Error && l.Message.Contains("Auth:ServiceKey", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Logs, l => l.Message.Contains("a-wrong-service-key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("agent.run", """{"task":"slow"}""")]
    [InlineData("agent.cancel", """{"sessionId":"slow"}""")]
    [InlineData("approval.respond", """{"requestId":"slow","decision":"approve"}""")]
    public async Task Runner_not_answering_in_time_is_32005_within_the_timeout(string method, string parameters)
    {
        // The pipelines run on a fake clock that the test moves, never past the timeout: only the timeout can end the call.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayMethods(runner.BaseAddress, ShortTimeout, time: time);
        var calling = Call(method, parameters, gateway: gateway);
        var advanced = TimeSpan.Zero;
        await Wait.UntilAsync(
            () =>
            {
                if (!calling.IsCompleted && advanced < ShortTimeout)
                {
                    time.Advance(TimeSpan.FromMilliseconds(50));
                    advanced += TimeSpan.FromMilliseconds(50);
                }

                return calling.IsCompleted;
            },
            "the call to time out");

        Rpc.AssertError((await calling)!.Value, JsonRpcErrorCodes.Unavailable, "1");
        Assert.True(advanced >= ShortTimeout * 0.9, $"answered after {advanced} on the gateway's clock, before the {ShortTimeout} timeout");
    }

    [Theory]
    [InlineData("agent.run", """{"task":"broken"}""")]
    [InlineData("approval.respond", """{"requestId":"broken","decision":"deny"}""")]
    public async Task Runner_failing_with_5xx_after_retries_is_32005(string method, string parameters)
    {
        var response = await Call(method, parameters);
        Rpc.AssertError(response!.Value, JsonRpcErrorCodes.Unavailable, "1");
    }

    [Fact]
    public async Task Runner_refusing_connections_is_32005()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var gateway = new GatewayMethods(new Uri($"http://127.0.0.1:{port}"), ShortTimeout);

        Rpc.AssertError((await Call("agent.list", "{}", gateway: gateway))!.Value, JsonRpcErrorCodes.Unavailable, "1");
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("01:00:00")]
    public void Bad_runner_timeout_is_refused_naming_the_key(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:RunnerTimeout"] = value }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development }).AddJsonRpc().BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RunnerClientOptions>>().Value);
        Assert.Contains("Gateway:RunnerTimeout", error.Message, StringComparison.Ordinal);
    }
}
