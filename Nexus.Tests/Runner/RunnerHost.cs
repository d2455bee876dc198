using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.AgentRunner.Hosting;
using Nexus.Tests.Identity;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// The runner app in-process on real Kestrel (127.0.0.1, a free port) against a real redis-server. It accepts the
/// tokens of <see cref="Tokens"/> and the service credential <see cref="ServiceKey"/>; every call of this class is
/// made as a user, with a token (docs/protocol.md section 5.1).
/// </summary>
public sealed class RunnerHost : IAsyncDisposable
{
    /// <summary>The gateway's credential in these tests (<c>Auth:ServiceKey</c> on both sides).</summary>
    public const string ServiceKey = "test-service-key-0123456789-abcdefghijklmnop";

    private readonly WebApplication _app;

    private RunnerHost(WebApplication app, Uri address, string sandboxRoot)
    {
        _app = app;
        Address = address;
        SandboxRoot = sandboxRoot;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public string SandboxRoot { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunnerHost> StartAsync(
        RedisServer redis, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string environment = "Production")
    {
        // A test may give several runners one sandbox root, as replicas that continue each other's sessions share one.
        var sandbox = settings?.TryGetValue("Runner:SandboxRoot", out var root) == true && root is not null
            ? root
            : Path.Combine(Path.GetTempPath(), "nexus-runner-tests", Guid.NewGuid().ToString("N"));
        var app = RunnerApp.Create(["--environment", environment], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var config = new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redis.ConnectionString + ",abortConnect=false",
                ["Runner:SandboxRoot"] = sandbox,
                ["Auth:SigningKey"] = Tokens.Key,
                ["Auth:Issuer"] = Tokens.Issuer,
                ["Auth:Audience"] = Tokens.Audience,
                ["Auth:ServiceKey"] = ServiceKey,
                ["Runner:HeartbeatInterval"] = "00:00:01",
                ["Runner:HeartbeatTtl"] = "00:00:03",
                ["Runner:LeaseDuration"] = "00:00:03",
                ["Runner:DrainTimeout"] = "00:00:02",
                ["Approvals:SweepInterval"] = "00:00:00.200",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                config[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(config);
            services?.Invoke(builder.Services);
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        return new RunnerHost(app, new Uri(app.Urls.First()), sandbox);
    }

    /// <summary>POSTs <paramref name="body"/> as <paramref name="user"/> (a token for them).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(
        string path, object body, string user, string? idempotencyKey = null, bool approver = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await SendAsync(request, user, approver);
    }

    /// <summary>GETs <paramref name="path"/> as <paramref name="user"/> (a token for them).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path, string user, bool approver = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, user, approver);
    }

    /// <summary>Sends <paramref name="request"/> as <paramref name="user"/>, or as it is when <paramref name="user"/> is null.</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpRequestMessage request, string? user, bool approver = false)
    {
        if (user is not null)
        {
            request.Headers.Authorization = new("Bearer", Tokens.Create(user, approver: approver ? true : null));
        }

        var response = await Http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        return (response, await ReadAsync(response));
    }

    /// <summary>Starts a session owned by <paramref name="owner"/> and returns its id (asserting 201).</summary>
    public async Task<string> RunAsync(string owner, string task)
    {
        var (response, body) = await PostAsync("/api/sessions", new { task }, owner, Guid.NewGuid().ToString("N"));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return body.GetProperty("sessionId").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(SandboxRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true
            ? default
            : JsonDocument.Parse(text).RootElement.Clone();
    }
}
