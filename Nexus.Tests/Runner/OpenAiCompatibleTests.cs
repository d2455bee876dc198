using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Nexus.Contracts;
using Nexus.Contracts.Events;
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

    [Fact]
    public async Task A_model_calling_write_file_goes_through_approve_a_runner_restart_and_deny_with_the_denial_returned_to_it()
    {
        var sandbox = Path.Combine(Path.GetTempPath(), "nexus-model-tests", Guid.NewGuid().ToString("N"));
        await using var model = await FakeModelServer.StartAsync(TwoWrites);
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        var settings = new Dictionary<string, string?>
        {
            ["Runner:Model:Endpoint"] = model.Endpoint,
            ["Runner:Model:Name"] = "fake-model",
            ["Runner:SandboxRoot"] = sandbox,
        };

        var first = await RunnerHost.StartAsync(redis, settings);
        var sessionId = await first.RunAsync("alice", "write two files");
        var approveA = await events.WaitForAsync(n => n.Event == EventNames.ApprovalRequest && n.SessionId == sessionId, "the request for a.txt");
        Assert.Equal("a.txt", approveA.Data.GetProperty("arguments").GetProperty("file").GetString());
        var (approved, _) = await first.PostAsync($"/api/approvals/{approveA.Data.GetProperty("requestId").GetString()}/decision", new { decision = "approve" }, "bob");
        Assert.Equal(System.Net.HttpStatusCode.OK, approved.StatusCode);
        var requestB = await events.WaitForAsync(
            n => n.Event == EventNames.ApprovalRequest && n.SessionId == sessionId && n.Data.GetProperty("arguments").GetProperty("file").GetString() == "b.txt", "the request for b.txt");
        Assert.Equal("alpha", await File.ReadAllTextAsync(Path.Combine(sandbox, sessionId, "a.txt")));

        // A restart while the session waits for the second approval: another runner continues it.
        await first.DisposeAsync();
        await using var second = await RunnerHost.StartAsync(redis, settings);
        var (denied, _) = await second.PostAsync($"/api/approvals/{requestB.Data.GetProperty("requestId").GetString()}/decision", new { decision = "deny", reason = "not b" }, "bob");
        Assert.Equal(System.Net.HttpStatusCode.OK, denied.StatusCode);

        // With a model, a denial is the tool's result (Runner:DenialEndsSession unset): the model answers, knowing.
        var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.True(completed.Data.GetProperty("success").GetBoolean(), completed.Data.GetRawText());
        var result = completed.Data.GetProperty("result").GetString()!;
        Assert.StartsWith("model says: wrote 5 bytes to a.txt | ", result, StringComparison.Ordinal);
        Assert.Contains("not b", result, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sandbox, sessionId, "b.txt")));
        Assert.Single(events.ForSession(sessionId), n => n.Event == EventNames.AgentCompleted);
        Assert.Single(events.ForSession(sessionId), n => n.Event == EventNames.AgentProgress && n.Data.GetProperty("message").GetString() == "running write_file");

        // The model's last request carried both tool results, the first once: the resumed runner ran nothing twice.
        var last = model.Requests.Last().Body["messages"]!.AsArray();
        Assert.Single(last, m => m!["role"]!.GetValue<string>() == "tool" && m["tool_call_id"]!.GetValue<string>() == "call_1");
        Assert.Single(last, m => m!["role"]!.GetValue<string>() == "tool" && m["tool_call_id"]!.GetValue<string>() == "call_2");
        Directory.Delete(sandbox, recursive: true);
    }

    [Fact]
    public async Task With_DenialEndsSession_a_models_denied_call_ends_the_session_denied()
    {
        await using var model = await FakeModelServer.StartAsync(TwoWrites);
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Runner:Model:Endpoint"] = model.Endpoint,
            ["Runner:Model:Name"] = "fake-model",
            ["Runner:DenialEndsSession"] = "true",
        });

        var sessionId = await runner.RunAsync("alice", "write two files");
        var request = await events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest);
        await runner.PostAsync($"/api/approvals/{request.Data.GetProperty("requestId").GetString()}/decision", new { decision = "deny" }, "bob");

        var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.False(completed.Data.GetProperty("success").GetBoolean());
        Assert.Equal(CompletionReasons.Denied, completed.Data.GetProperty("reason").GetString());
        Assert.Single(model.Requests); // the model was not asked again
    }

    /// <summary>The model's side of a session that writes a.txt, then b.txt, then answers with what the tools said.</summary>
    private static object TwoWrites(JsonNode body)
    {
        var tools = body["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "tool").ToList();
        return tools.Count switch
        {
            0 => ToolCall("call_1", "write_file", """{"file":"a.txt","text":"alpha"}"""),
            1 => ToolCall("call_2", "write_file", """{"file":"b.txt","text":"beta"}"""),
            _ => new { role = "assistant", content = "model says: " + string.Join(" | ", tools.Select(t => FakeModelServer.ToolText(t!["content"]))) },
        };
    }

    private static object ToolCall(string id, string name, string arguments)
        => new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id, type = "function", function = new { name, arguments } } } };

    /// <summary>Answers <c>POST /v1/chat/completions</c> with the message <c>respond</c> makes of the request.</summary>
    private sealed class FakeModelServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeModelServer(WebApplication app) => _app = app;

        public ConcurrentQueue<(JsonNode Body, string? Authorization)> Requests { get; } = new();

        public string Endpoint => _app.Urls.First() + "/v1";

        /// <summary>By default: first a call of the echo tool, then a final message with its result.</summary>
        public static async Task<FakeModelServer> StartAsync(Func<JsonNode, object>? respond = null)
        {
            respond ??= EchoOnce;
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new FakeModelServer(app);
            app.MapPost("/v1/chat/completions", async (HttpContext context) =>
            {
                var body = (await JsonNode.ParseAsync(context.Request.Body))!;
                server.Requests.Enqueue((body, context.Request.Headers.Authorization.ToString()));
                var message = respond(body);
                var calls = JsonSerializer.SerializeToNode(message)!["tool_calls"] is not null;
                return Results.Json(new
                {
                    id = "chatcmpl-" + server.Requests.Count,
                    @object = "chat.completion",
                    created = 1_700_000_000,
                    model = "fake-model",
                    choices = new[] { new { index = 0, message, finish_reason = calls ? "tool_calls" : "stop" } },
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
        public static string ToolText(JsonNode? content)
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

        private static object EchoOnce(JsonNode body)
        {
            var toolResult = body["messages"]!.AsArray().FirstOrDefault(m => m!["role"]!.GetValue<string>() == "tool");
            return toolResult is null
                ? ToolCall("call_1", "echo", """{"text":"from the model"}""")
                : new { role = "assistant", content = "model says: " + ToolText(toolResult!["content"]) };
        }
    }
}
