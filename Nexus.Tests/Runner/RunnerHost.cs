using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.AgentRunner.Hosting;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>The runner app in-process on real Kestrel (127.0.0.1, a free port) against a real redis-server.</summary>
public sealed class RunnerHost : IAsyncDisposable
{
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

    public static async Task<RunnerHost> StartAsync(RedisServer redis, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var sandbox = Path.Combine(Path.GetTempPath(), "nexus-runner-tests", Guid.NewGuid().ToString("N"));
        var app = RunnerApp.Create([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var config = new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redis.ConnectionString + ",abortConnect=false",
                ["Runner:SandboxRoot"] = sandbox,
                ["Runner:HeartbeatInterval"] = "00:00:01",
                ["Runner:HeartbeatTtl"] = "00:00:03",
                ["Approvals:PollInterval"] = "00:00:00.050",
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

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await Http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        return (response, await ReadAsync(response));
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path)
    {
        var response = await Http.GetAsync(path).WaitAsync(TimeSpan.FromSeconds(30));
        return (response, await ReadAsync(response));
    }

    /// <summary>Starts a session and returns its id (asserting 201).</summary>
    public async Task<string> RunAsync(string owner, string task)
    {
        var (response, body) = await PostAsync("/api/sessions", new { owner, task }, Guid.NewGuid().ToString("N"));
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
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
