using System.Net;
using System.Net.Http.Json;
using Nexus.Contracts;
using Nexus.Contracts.Identity;
using Nexus.Tests.Identity;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// Who may call the runner's API (docs/protocol.md section 5.1, issue 11 items 1, 2 and 4), on the runner itself:
/// no call without a user token or the gateway's credential, the caller always the authenticated user, and the
/// approval rules of the socket enforced here for every caller.
/// </summary>
public sealed class RunnerAuthorizationTests : IAsyncLifetime
{
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
    }

    /// <summary>Each route of the API with a body that would work for an authorised caller.</summary>
    public static TheoryData<string, string, string?> Routes => new()
    {
        { "POST", "/api/sessions", """{"task":"echo anonymous"}""" },
        { "GET", "/api/sessions", null },
        { "POST", "/api/sessions/s_any/cancel", "{}" },
        { "GET", "/api/approvals", null },
        { "POST", "/api/approvals/apr_any/decision", """{"decision":"approve"}""" },
        { "GET", "/api/openapi/v1.json", null },
        { "GET", "/openapi/v1.json", null },
    };

    /// <summary>Credentials that must not get in: none, other key, no sub, expired, alg none, wrong service key, service key without a user, user headers alone.</summary>
    public static TheoryData<string> BadCredentials => new()
    {
        "none", "other-key", "no-sub", "expired", "alg-none", "wrong-service-key", "service-key-without-user", "user-headers-without-service-key",
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task Every_route_answers_401_to_a_caller_without_a_valid_credential_and_does_nothing(string credential)
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        foreach (var route in Routes)
        {
            var (method, path, body) = ((string)route[0], (string)route[1], (string?)route[2]);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            Present(request, credential);
            var (response, _) = await runner.SendAsync(request, user: null);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {credential}: {(int)response.StatusCode}");
        }

        // Nothing happened: no session was started, nothing was published.
        await using var redis = await _redis.ConnectAsync();
        var keys = await redis.GetServers()[0].KeysAsync(pattern: "nexus:session:*").ToListAsync();
        Assert.Empty(keys);
        Assert.Empty(_events.All);
    }

    [Fact]
    public async Task The_service_credential_speaks_for_the_user_it_names()
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sessions") { Content = JsonContent.Create(new { task = "echo via gateway" }) };
        Present(request, "service:carl%20%C3%A9");
        var (response, body) = await runner.SendAsync(request, user: null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var started = await _events.WaitForEventAsync(body.GetProperty("sessionId").GetString()!, EventNames.AgentStarted);
        Assert.Equal("carl é", started.Data.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task An_owner_or_by_in_the_body_or_query_names_nobody()
    {
        await using var runner = await RunnerHost.StartAsync(_redis);
        var (created, createdBody) = await runner.PostAsync("/api/sessions?owner=mallory", new { owner = "mallory", task = "write forged.txt x" }, "alice", Guid.NewGuid().ToString("N"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sessionId = createdBody.GetProperty("sessionId").GetString()!;
        var request = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        Assert.Equal("alice", request.Data.GetProperty("owner").GetString());

        var (_, mallorys) = await runner.GetAsync("/api/sessions?owner=alice", "mallory");
        Assert.Empty(mallorys.GetProperty("sessions").EnumerateArray());

        var requestId = request.Data.GetProperty("requestId").GetString()!;
        var (decided, _) = await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve", by = "security-officer" }, "bob");
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var resolved = await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved);
        Assert.Equal("bob", resolved.Data.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Restricted_approvals_let_only_approvers_decide_and_show_others_only_their_own_requests()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Auth:RestrictApprovals"] = "true" });
        var alices = await runner.RunAsync("alice", "write a.txt x");
        var bobs = await runner.RunAsync("bob", "write b.txt y");
        var aliceRequest = (await _events.WaitForEventAsync(alices, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;
        await _events.WaitForEventAsync(bobs, EventNames.ApprovalRequest);

        var (_, aliceList) = await runner.GetAsync("/api/approvals", "alice");
        Assert.Equal([alices], aliceList.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("sessionId").GetString()));
        var (_, approverList) = await runner.GetAsync("/api/approvals", "ann", approver: true);
        Assert.Equal(2, approverList.GetProperty("approvals").GetArrayLength());

        var (refused, _) = await runner.PostAsync($"/api/approvals/{aliceRequest}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var (ownRefused, _) = await runner.PostAsync($"/api/approvals/{aliceRequest}/decision", new { decision = "approve" }, "alice");
        Assert.Equal(HttpStatusCode.Forbidden, ownRefused.StatusCode);

        var (decided, _) = await runner.PostAsync($"/api/approvals/{aliceRequest}/decision", new { decision = "approve" }, "ann", approver: true);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal("ann", (await _events.WaitForEventAsync(alices, EventNames.ApprovalResolved)).Data.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Without_self_approval_the_owner_is_refused_and_someone_else_decides()
    {
        await using var runner = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Approvals:AllowSelfApproval"] = "false" });
        var sessionId = await runner.RunAsync("alice", "write self.txt x");
        var requestId = (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString()!;

        var (own, ownBody) = await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "alice", approver: true);
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("AllowSelfApproval", ownBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_events.ForSession(sessionId), n => n.Event == EventNames.ApprovalResolved);

        var (other, _) = await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "deny" }, "bob");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("bob", (await _events.WaitForEventAsync(sessionId, EventNames.ApprovalResolved)).Data.GetProperty("by").GetString());
    }

    [Fact]
    public async Task A_user_past_the_session_quota_gets_429_until_one_ends_and_other_users_are_unaffected()
    {
        await using var runnerA = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Runner:MaxSessionsPerUser"] = "2" });
        await using var runnerB = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Runner:MaxSessionsPerUser"] = "2" });
        var sleeping = await runnerA.RunAsync("quinn", "sleep 60");
        await runnerB.RunAsync("quinn", "write q.txt waiting");

        // The quota counts over every replica: a third session on either is refused.
        foreach (var runner in new[] { runnerA, runnerB })
        {
            var (refused, body) = await runner.PostAsync("/api/sessions", new { task = "echo third" }, "quinn", Guid.NewGuid().ToString("N"));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("sessions_per_user", body.GetProperty("limit").GetString());
            Assert.Equal(2, body.GetProperty("max").GetInt32());
        }

        Assert.Equal(HttpStatusCode.Created, (await runnerA.PostAsync("/api/sessions", new { task = "echo other user" }, "rita", Guid.NewGuid().ToString("N"))).Response.StatusCode);

        var (cancelled, _) = await runnerB.PostAsync($"/api/sessions/{sleeping}/cancel", new { }, "quinn");
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        await _events.WaitForEventAsync(sleeping, EventNames.AgentCompleted);
        Assert.Equal(HttpStatusCode.Created, (await runnerA.PostAsync("/api/sessions", new { task = "echo again" }, "quinn", Guid.NewGuid().ToString("N"))).Response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_open_in_development_only()
    {
        await using var development = await RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = null, ["Auth:ServiceKey"] = null }, environment: "Development");
        using var open = new HttpRequestMessage(HttpMethod.Get, "/api/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, (await development.SendAsync(open, user: null)).Response.StatusCode);

        // Without keys in Development, the API itself still lets nobody in.
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/sessions");
        api.Headers.Authorization = new("Bearer", Tokens.Create("alice"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await development.SendAsync(api, user: null)).Response.StatusCode);
    }

    [Theory]
    [InlineData("Auth:SigningKey")]
    [InlineData("Auth:ServiceKey")]
    public async Task Outside_development_the_runner_does_not_start_without_its_keys(string key)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunnerHost.StartAsync(_redis, new Dictionary<string, string?> { [key] = null }));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static void Present(HttpRequestMessage request, string credential)
    {
        var headers = request.Headers;
        switch (credential)
        {
            case "none":
                break;
            case "other-key":
                headers.Authorization = new("Bearer", Tokens.Create("alice", key: Tokens.OtherKey));
                break;
            case "no-sub":
                headers.Authorization = new("Bearer", Tokens.Create(null));
                break;
            case "expired":
                headers.Authorization = new("Bearer", Tokens.Create("alice", expires: DateTime.UtcNow.AddMinutes(-5)));
                break;
            case "alg-none":
                headers.Authorization = new("Bearer", Tokens.AlgNone("alice"));
                break;
            case "wrong-service-key":
                headers.TryAddWithoutValidation("Authorization", $"{ServiceCredential.Scheme} not-the-key-but-long-enough-0123456789");
                headers.Add(ServiceCredential.UserHeader, "alice");
                break;
            case "service-key-without-user":
                headers.TryAddWithoutValidation("Authorization", $"{ServiceCredential.Scheme} {RunnerHost.ServiceKey}");
                break;
            case "user-headers-without-service-key":
                headers.Add(ServiceCredential.UserHeader, "alice");
                headers.Add(ServiceCredential.ApproverHeader, "true");
                break;
            default:
                // "service:<escaped user>": the gateway's way.
                headers.TryAddWithoutValidation("Authorization", $"{ServiceCredential.Scheme} {RunnerHost.ServiceKey}");
                headers.Add(ServiceCredential.UserHeader, credential["service:".Length..]);
                break;
        }
    }
}
