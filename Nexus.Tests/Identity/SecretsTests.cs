using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nexus.Proxy.FrontDoor;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>
/// Issue 4 item 7: tokens and keys never appear in logs or traces, even with request logging turned up and with the
/// OpenTelemetry query redaction switched off the way Aspire does in development.
/// </summary>
public sealed class SecretsTests : IDisposable
{
    private static readonly Dictionary<string, string?> s_leakyConfiguration = new()
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:Yarp"] = "Trace",
        ["Logging:LogLevel:Yarp.ReverseProxy.Forwarder.HttpForwarder"] = "Trace",
        ["OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION"] = "true",
        ["OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION"] = "true",
    };

    private readonly ConcurrentQueue<string> _spanTexts = new();
    private readonly ActivityListener _listener;

    public SecretsTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _spanTexts.Enqueue(
                activity.DisplayName + " " + string.Join(" ", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Gateway_logs_and_spans_never_contain_a_token_or_the_key()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>(Tokens.Settings().Concat(s_leakyConfiguration));
        await using var host = await GatewayHost.StartAsync(redis, settings);
        using var http = host.CreateHttpClient();
        var secrets = new List<string> { Tokens.Key };

        var good = Tokens.Create("secret-keeper");
        var wrongKey = Tokens.Create("secret-keeper", key: Tokens.OtherKey);
        var expired = Tokens.Create("secret-keeper", expires: DateTime.UtcNow.AddMinutes(-5));
        secrets.AddRange([good, wrongKey, expired]);
        secrets.AddRange(secrets.Where(s => s.Contains('.', StringComparison.Ordinal)).Select(s => s[(s.LastIndexOf('.') + 1)..]).ToList());

        await using (var client = await host.ConnectAsync("secret-keeper", () => TestClient.ConnectAsync(host.WebSocketUri("access_token=" + good))))
        {
            await host.PublishAsync("user:secret-keeper", """{"event":"in"}""");
            await client.WaitForEventAsync("in");
        }

        await using (await Upgrade.ConnectWithHeaderAsync(host.WebSocketUri(""), good))
        {
        }

        Assert.Equal(401, await Upgrade.StatusAsync(host.WebSocketUri("access_token=" + wrongKey)));
        Assert.Equal(401, await Upgrade.StatusAsync(host.WebSocketUri("access_token=" + expired)));
        Assert.Equal(401, await Upgrade.StatusAsync(host.WebSocketUri(""), Upgrade.Bearer(wrongKey)));
        var issued = await (await http.PostAsync("/dev/token?user=secret-keeper", null)).Content.ReadAsStringAsync();
        secrets.Add(issued);
        await Wait.UntilAsync(() => host.OpenConnections() == 0, "connections closed");

        // The capture sees ASP.NET Core's logs and the server spans carry the (redacted) query: the assertions below look at real output.
        Assert.Contains(host.Logs, l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(_spanTexts, t => t.Contains("access_token=Redacted", StringComparison.Ordinal));
        AssertNoSecret(host.Logs.Select(l => $"{l.Category} {l.Message} {l.Exception}"), secrets, "gateway log");
        AssertNoSecret(_spanTexts, secrets, "span");
    }

    [Fact]
    public async Task Through_the_proxy_the_token_works_same_origin_passes_and_no_proxy_log_or_span_shows_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis, new Dictionary<string, string?>(Tokens.Settings().Concat(s_leakyConfiguration)));
        var proxyLogs = new CapturingLoggerProvider();
        await using var proxy = await StartProxyAsync(gateway.HttpAddress, proxyLogs);
        var proxyAddress = new Uri(proxy.Urls.First());
        using var http = new HttpClient { BaseAddress = proxyAddress, Timeout = GatewayHost.Timeout };
        var good = Tokens.Create("proxied");
        var bad = Tokens.Create("proxied", key: Tokens.OtherKey);

        var wsUri = new Uri($"ws://{proxyAddress.Authority}/ws?access_token={good}");
        await using (var client = await gateway.ConnectAsync("proxied", () => TestClient.ConnectAsync(wsUri)))
        {
            await gateway.PublishAsync("user:proxied", """{"event":"via-proxy"}""");
            await client.WaitForEventAsync("via-proxy");
        }

        Assert.Equal(101, await Upgrade.StatusAsync(wsUri, new Dictionary<string, string> { ["Origin"] = $"http://{proxyAddress.Authority}" }));
        Assert.Equal(403, await Upgrade.StatusAsync(wsUri, new Dictionary<string, string> { ["Origin"] = "https://evil.example" }));
        Assert.Equal(401, await Upgrade.StatusAsync(new Uri($"ws://{proxyAddress.Authority}/ws?access_token={bad}")));
        var response = await http.PostAsync("/dev/token?user=proxied", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issued = await response.Content.ReadAsStringAsync();

        string[] secrets = [good, bad, issued, Tokens.Key, good[(good.LastIndexOf('.') + 1)..]];
        Assert.Contains(proxyLogs.Logs, l => l.Category.StartsWith("Yarp", StringComparison.Ordinal));
        AssertNoSecret(proxyLogs.Logs.Select(l => $"{l.Category} {l.Message} {l.Exception}"), secrets, "proxy log");
        AssertNoSecret(gateway.Logs.Select(l => $"{l.Category} {l.Message} {l.Exception}"), secrets, "gateway log");
        AssertNoSecret(_spanTexts, secrets, "span");
    }

    private static async Task<WebApplication> StartProxyAsync(Uri gateway, CapturingLoggerProvider logs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development, ApplicationName = "Nexus.Proxy" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(s_leakyConfiguration)
        {
            ["Proxy:GatewayAddress"] = gateway.ToString(),
            ["Proxy:RunnerAddress"] = "http://127.0.0.1:9",
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        builder.AddServiceDefaults();
        builder.AddFrontDoor();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapFrontDoor();
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await app.StartAsync(cts.Token);
        return app;
    }

    private static void AssertNoSecret(IEnumerable<string> texts, IEnumerable<string> secrets, string what)
    {
        var all = texts.ToList();
        foreach (var secret in secrets.Where(s => s.Length >= 16))
        {
            var leak = all.FirstOrDefault(t => t.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a {what} contains a secret: {leak}");
        }
    }
}
