using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Nexus.Contracts;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>The runner with <c>Runner:Model</c> set, against a fake OpenAI-compatible server on loopback.</summary>
public sealed class OpenAiCompatibleTests
{
    [Fact]
    public async Task Model_tool_call_runs_the_tool_and_the_final_message_is_the_result()
    {
        await using var model = await FakeModelServer.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Runner:Model:Endpoint"] = model.Endpoint,
            ["Runner:Model:Name"] = "fake-model",
            ["Runner:Model:ApiKey"] = "test-key",
        });

        var sessionId = await runner.RunAsync("alice", "please repeat 'from the model'");

        var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
        Assert.Equal("model says: from the model", completed.Data.GetProperty("result").GetString());
        Assert.Contains(events.ForSession(sessionId), n => n.Event == EventNames.AgentProgress && n.Data.GetProperty("message").GetString() == "running echo");

        Assert.Equal(2, model.Requests.Count);
        var first = model.Requests.First();
        Assert.Equal("fake-model", first.Body["model"]!.GetValue<string>());
        Assert.Equal("Bearer test-key", first.Authorization);
        var tools = first.Body["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("echo", tools);
        Assert.Contains("write_file", tools);
        var toolMessage = model.Requests.Last().Body["messages"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "tool");
        Assert.Equal("call_1", toolMessage!["tool_call_id"]!.GetValue<string>());
    }

    /// <summary>Answers <c>POST /v1/chat/completions</c>: first with a call of the echo tool, then with a final message.</summary>
    private sealed class FakeModelServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeModelServer(WebApplication app) => _app = app;

        public ConcurrentQueue<(JsonNode Body, string? Authorization)> Requests { get; } = new();

        public string Endpoint => _app.Urls.First() + "/v1";

        public static async Task<FakeModelServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new FakeModelServer(app);
            app.MapPost("/v1/chat/completions", async (HttpContext context) =>
            {
                var body = (await JsonNode.ParseAsync(context.Request.Body))!;
                server.Requests.Enqueue((body, context.Request.Headers.Authorization.ToString()));
                var toolResult = body["messages"]!.AsArray().FirstOrDefault(m => m!["role"]!.GetValue<string>() == "tool");
                object message = toolResult is null
                    ? new
                    {
                        role = "assistant",
                        content = (string?)null,
                        tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "echo", arguments = """{"text":"from the model"}""" } } },
                    }
                    : new { role = "assistant", content = "model says: " + ToolText(toolResult!["content"]) };
                return Results.Json(new
                {
                    id = "chatcmpl-" + server.Requests.Count,
                    @object = "chat.completion",
                    created = 1_700_000_000,
                    model = "fake-model",
                    choices = new[] { new { index = 0, message, finish_reason = toolResult is null ? "tool_calls" : "stop" } },
                    usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
                });
            });
            await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }

        // The tool's result travels as JSON text: "\"from the model\"" or a content-part array.
        private static string ToolText(JsonNode? content)
        {
            var text = content is JsonArray parts ? string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())) : content!.GetValue<string>();
            try
            {
                return JsonSerializer.Deserialize<string>(text) ?? text;
            }
            catch (JsonException)
            {
                return text;
            }
        }
    }
}
