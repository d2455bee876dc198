using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Contracts.Identity;

namespace Nexus.Tests.Agents;

/// <summary>
/// A test double of the AgentRunner API on real Kestrel (127.0.0.1, free port) with canned answers keyed by ids:
/// <c>missing</c> → 404, <c>s_bob</c> cancelled by someone else → 403, <c>done</c> → 409, <c>slow</c> never answers in time,
/// <c>broken</c> → 500 always, task <c>fail-once</c> → 503 on the first attempt of each idempotency key, task <c>quota</c>
/// → 429 (sessions_per_user, 8), request <c>forbidden</c> → 403; <c>GET /api/approvals?state=decided</c> → one audit record
/// (of the <c>sessionId</c> asked for, else <c>s_0</c>). Like the real runner it answers 401 unless the call
/// carries the service credential <see cref="Runner.RunnerHost.ServiceKey"/>, and takes the caller from its headers.
/// </summary>
public sealed class FakeRunner : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _attemptsByKey = new();
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received, in order: raw target, Idempotency-Key header, body, the named user and approver headers.</summary>
    public ConcurrentQueue<(string Method, string Target, string? IdempotencyKey, string Body, string? User, string? Approver)> Requests { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var headers = context.Request.Headers;
            Requests.Enqueue((context.Request.Method, target, headers["Idempotency-Key"].FirstOrDefault(), body, headers[ServiceCredential.UserHeader].FirstOrDefault(), headers[ServiceCredential.ApproverHeader].FirstOrDefault()));
            if (headers.Authorization.ToString() != ServiceCredential.Scheme + " " + Runner.RunnerHost.ServiceKey)
            {
                context.Response.StatusCode = 401;
                return;
            }

            await next(context);
        });
        Map(_app);
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }
    }

    public int AttemptsFor(string key) => _attemptsByKey.GetValueOrDefault(key);

    private void Map(WebApplication app)
    {
        app.MapPost("/api/sessions", async (HttpContext context) =>
        {
            var key = context.Request.Headers["Idempotency-Key"].FirstOrDefault() ?? "";
            var attempts = _attemptsByKey.AddOrUpdate(key, 1, (_, n) => n + 1);
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var task = body.RootElement.GetProperty("task").GetString();
            var owner = Caller(context);
            return task switch
            {
                "fail-once" when attempts == 1 => Results.StatusCode(503),
                "quota" => Results.Problem(statusCode: 429, extensions: new Dictionary<string, object?> { ["limit"] = "sessions_per_user", ["max"] = 8 }),
                "slow" => await Slow(context),
                "broken" => Results.StatusCode(500),
                _ => Results.Json(new { sessionId = $"s_{owner}_{key}" }, statusCode: attempts == 1 ? 201 : 200),
            };
        });

        app.MapPost("/api/sessions/{sessionId}/cancel", async (string sessionId, HttpContext context) =>
        {
            var user = Caller(context);
            return sessionId switch
            {
                "missing" => Results.Problem(statusCode: 404),
                "s_bob" when user != "bob" => Results.Problem(statusCode: 403),
                "slow" => await Slow(context),
                _ => Results.Json(new { sessionId, status = "cancelling" }, statusCode: 202),
            };
        });

        app.MapGet("/api/sessions", (HttpContext context) => Results.Json(new
        {
            sessions = new[] { new { sessionId = "s_1", task = "echo hi", status = "completed", startedAt = 1764345600000, owner = Caller(context) } },
        }));

        app.MapGet("/api/approvals", (HttpContext context) => context.Request.Query["state"].ToString() == "decided" ? Results.Json(new
        {
            approvals = new[]
            {
                new
                {
                    requestId = "r_0", sessionId = context.Request.Query["sessionId"].FirstOrDefault() ?? "s_0", owner = "alice", tool = "write_file",
                    arguments = new { file = "a.txt", text = "hi" }, requestedAt = 1764345600000, expiresAt = 1764345900000,
                    decision = "approved", by = "bob", reason = "fine", decidedAt = 1764345700000,
                    outcome = new { executed = true, result = "wrote 2 bytes to a.txt" },
                },
            },
        }) : Results.Json(new
        {
            approvals = new[]
            {
                new
                {
                    requestId = "r_1", sessionId = "s_1", owner = "alice", tool = "write",
                    arguments = new { file = "a.txt", text = "hi" }, requestedAt = 1764345600000, expiresAt = 1764345900000,
                },
            },
        }));

        app.MapPost("/api/approvals/{requestId}/decision", async (string requestId, HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var decision = body.RootElement.GetProperty("decision").GetString();
            return requestId switch
            {
                "missing" => Results.Problem(statusCode: 404),
                "forbidden" => Results.Problem(statusCode: 403),
                "done" => Results.Json(new { requestId, status = "expired", by = "system" }, statusCode: 409),
                "slow" => await Slow(context),
                "broken" => Results.StatusCode(500),
                "invalid" => Results.Problem(statusCode: 400, detail: "reason is too long", extensions: new Dictionary<string, object?> { ["param"] = "reason" }),
                _ => Results.Json(new { requestId, decision = decision == "approve" ? "approved" : "denied", status = "resolved" }),
            };
        });
    }

    private static string Caller(HttpContext context) => Uri.UnescapeDataString(context.Request.Headers[ServiceCredential.UserHeader].ToString());

    private static async Task<IResult> Slow(HttpContext context)
    {
        // Longer than any RunnerTimeout of the tests; ends when the client gives up.
        await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted);
        return Results.Ok();
    }
}
