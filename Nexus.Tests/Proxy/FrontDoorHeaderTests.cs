using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Proxy;

/// <summary>
/// SECURITY.md, "Reaching the runner directly": the front door strips the headers by which the gateway names a user
/// from every outside request to <c>/api</c>. A real proxy in front of a stand-in runner that records what arrives.
/// </summary>
public sealed class FrontDoorHeaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_outside_request_to_api_reaches_the_runner_without_X_Nexus_User_or_X_Nexus_Approver()
    {
        var arrived = new ConcurrentQueue<(string Path, IHeaderDictionary Headers)>();
        await using var runner = await StartRecorderAsync(arrived);
        await using var proxy = await ProxyHost.StartAsync(new Dictionary<string, string?>
        {
            ["Proxy:GatewayAddress"] = "http://127.0.0.1:9",
            ["Proxy:RunnerAddress"] = runner.Urls.First(),
        });
        using var http = new HttpClient { BaseAddress = proxy.Address, Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/approvals");
        request.Headers.Add("X-Nexus-User", "mallory");
        request.Headers.Add("X-Nexus-Approver", "true");
        request.Headers.Add("Authorization", "Nexus-Service a-guessed-key");
        request.Headers.Add("X-Other", "kept");

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        // The front door's health probes arrive too.
        var headers = Assert.Single(arrived, r => r.Path == "/api/approvals").Headers;
        Assert.Equal("kept", headers["X-Other"].ToString());
        Assert.Equal("Nexus-Service a-guessed-key", headers.Authorization.ToString());
        Assert.False(headers.ContainsKey("X-Nexus-User"), "X-Nexus-User reached the runner");
        Assert.False(headers.ContainsKey("X-Nexus-Approver"), "X-Nexus-Approver reached the runner");
    }

    private static async Task<WebApplication> StartRecorderAsync(ConcurrentQueue<(string Path, IHeaderDictionary Headers)> arrived)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context =>
        {
            arrived.Enqueue((context.Request.Path.Value ?? "", new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value))));
            return Task.CompletedTask;
        });
        using var cts = new CancellationTokenSource(Timeout);
        await app.StartAsync(cts.Token);
        return app;
    }
}
