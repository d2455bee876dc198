using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Nexus.Contracts;
using Nexus.Tests.Agents;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Identity;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 11, "tests it must have": the HTTP API through the front door of the whole app in Production settings.
/// Every path and method of the OpenAPI document refuses a caller without a valid token (401, nothing happens), a valid
/// token works, and a name in a body never decides who the caller is: the attack at the top of the issue fails.
/// </summary>
public sealed class FrontDoorApiSecurityTests(ProductionAppFixture fixture) : IClassFixture<ProductionAppFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_api_operation_of_the_openapi_document_answers_401_anonymous_and_with_a_bad_token()
    {
        using var http = new HttpClient { BaseAddress = fixture.ProxyAddress, Timeout = Timeout };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/openapi/v1.json")).StatusCode);

        using var documentRequest = new HttpRequestMessage(HttpMethod.Get, "/api/openapi/v1.json");
        documentRequest.Headers.Authorization = new("Bearer", Tokens.Create("reader"));
        using var documentResponse = await http.SendAsync(documentRequest);
        Assert.Equal(HttpStatusCode.OK, documentResponse.StatusCode);
        using var document = JsonDocument.Parse(await documentResponse.Content.ReadAsStringAsync());

        var operations = 0;
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            var target = path.Name.Replace("{sessionId}", "s_probe", StringComparison.Ordinal).Replace("{requestId}", "apr_probe", StringComparison.Ordinal);
            foreach (var operation in path.Value.EnumerateObject())
            {
                foreach (var token in new[] { null, Tokens.Create("eve", key: Tokens.OtherKey), Tokens.Create("eve", expires: DateTime.UtcNow.AddMinutes(-5)), "garbage" })
                {
                    using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), target);
                    if (operation.Name is "post")
                    {
                        request.Content = JsonContent.Create(new { task = "echo anonymous", decision = "approve", by = "security-officer", owner = "alice" });
                    }

                    if (token is not null)
                    {
                        request.Headers.Authorization = new("Bearer", token);
                    }

                    using var response = await http.SendAsync(request);
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{operation.Name} {path.Name} ({(token is null ? "anonymous" : "bad token")}): {(int)response.StatusCode}");
                }

                operations++;
            }
        }

        Assert.True(operations >= 5, $"the document lists {operations} operations");
    }

    [Fact]
    public async Task The_attack_of_issue_11_gets_401_and_only_a_real_approver_other_than_the_owner_decides()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (alice, bob, carol) = ($"alice-{suffix}", $"bob-{suffix}", $"carol-{suffix}");
        await using var owner = await TestClient.ConnectAsync(fixture.WebSocketUri(alice, approver: true));
        // A reply proves the gateway registered her socket before the session's approval request is published.
        await owner.ResultAsync("agent.list", new { });
        using var http = new HttpClient { BaseAddress = fixture.ProxyAddress, Timeout = Timeout };

        // Alice starts a session over HTTP with her token; the owner in the body names nobody.
        var (created, createdBody) = await SendAsync(http, HttpMethod.Post, "/api/sessions", alice, body: new { owner = "mallory", task = "write notes.txt hello" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sessionId = createdBody.GetProperty("sessionId").GetString()!;
        var request = (await owner.WaitForSessionEventAsync(EventNames.ApprovalRequest, sessionId)).GetProperty("data");
        Assert.Equal(alice, request.GetProperty("owner").GetString());
        var requestId = request.GetProperty("requestId").GetString()!;

        // The attack, from outside without a token: every step is 401 and nothing is decided.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "/api/approvals", user: null)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, $"/api/approvals/{requestId}/decision", user: null, body: new { decision = "approve", by = "security-officer" })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, $"/api/sessions?owner={alice}", user: null)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, "/api/sessions", user: null, body: new { owner = alice, task = "echo as alice" })).Response.StatusCode);

        // A user who is not an approver sees nothing of alice's and may not decide; alice may not decide her own.
        var (_, bobsList) = await SendAsync(http, HttpMethod.Get, "/api/approvals", bob);
        Assert.DoesNotContain(bobsList.GetProperty("approvals").EnumerateArray(), a => a.GetProperty("requestId").GetString() == requestId);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, $"/api/approvals/{requestId}/decision", bob, body: new { decision = "approve" })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, $"/api/approvals/{requestId}/decision", alice, approver: true, body: new { decision = "approve" })).Response.StatusCode);
        var socketRefusal = await owner.ErrorAsync("approval.respond", new { requestId, decision = "approve" });
        Assert.Equal(-32001, socketRefusal.GetProperty("code").GetInt32());

        // Still pending: the approver lists it.
        var (_, pending) = await SendAsync(http, HttpMethod.Get, "/api/approvals", carol, approver: true);
        Assert.Contains(pending.GetProperty("approvals").EnumerateArray(), a => a.GetProperty("requestId").GetString() == requestId);

        // The approver decides, with a forged "by" that changes nothing.
        var (decided, _) = await SendAsync(http, HttpMethod.Post, $"/api/approvals/{requestId}/decision", carol, approver: true, body: new { decision = "approve", by = "security-officer" });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var resolved = await owner.WaitForEventAsync(EventNames.ApprovalResolved, d => EndToEndRpc.HasString(d, "requestId", requestId));
        Assert.Equal(carol, resolved.GetProperty("data").GetProperty("by").GetString());
        var completed = await owner.WaitForSessionEventAsync(EventNames.AgentCompleted, sessionId);
        Assert.True(completed.GetProperty("data").GetProperty("success").GetBoolean());

        var (_, sessions) = await SendAsync(http, HttpMethod.Get, "/api/sessions?owner=mallory", alice);
        Assert.Contains(sessions.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("sessionId").GetString() == sessionId);
    }

    [Fact]
    public async Task Development_identities_are_refused_in_production()
    {
        var uri = new UriBuilder(fixture.ProxyAddress) { Scheme = "ws", Path = "/ws", Query = "user=alice" }.Uri;
        Assert.Equal(401, await Upgrade.StatusAsync(uri));
        using var http = new HttpClient { BaseAddress = fixture.ProxyAddress, Timeout = Timeout };
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/dev/token?user=alice", null)).StatusCode);
    }

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(
        HttpClient http, HttpMethod method, string path, string? user, bool approver = false, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (user is not null)
        {
            request.Headers.Authorization = new("Bearer", Tokens.Create(user, approver: approver ? true : null));
        }

        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }
}
