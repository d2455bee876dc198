using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Agents;

/// <summary>
/// JSON-RPC calls and event waits on a <see cref="TestClient"/>, for the end-to-end agent tests (in-process and
/// through the whole app). Ids are unique per test process, so a reply is never mistaken for another's.
/// </summary>
internal static class EndToEndRpc
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static long s_nextId;

    /// <summary>Sends one request and returns its response object (with <c>result</c> or <c>error</c>).</summary>
    public static async Task<JsonElement> CallAsync(this TestClient client, string method, object parameters, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref s_nextId);
        var request = JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params = parameters });
        await client.SendTextAsync(request).WaitAsync(timeout ?? Timeout);
        return await client.WaitForAsync(
            m => m.TryGetProperty("id", out var replyId) && replyId.ValueKind == JsonValueKind.Number && replyId.GetInt64() == id,
            $"the reply to {method} #{id}",
            timeout);
    }

    /// <summary>Calls and returns <c>result</c>, failing the test with the error when there is one.</summary>
    public static async Task<JsonElement> ResultAsync(this TestClient client, string method, object parameters, TimeSpan? timeout = null)
    {
        var reply = await client.CallAsync(method, parameters, timeout);
        Assert.False(reply.TryGetProperty("error", out var error), $"{method} failed: {error}");
        return reply.GetProperty("result");
    }

    /// <summary>Calls and returns <c>error</c>, failing the test when the call succeeded.</summary>
    public static async Task<JsonElement> ErrorAsync(this TestClient client, string method, object parameters, TimeSpan? timeout = null)
    {
        var reply = await client.CallAsync(method, parameters, timeout);
        Assert.True(reply.TryGetProperty("error", out var error), $"{method} succeeded: {reply}");
        return error;
    }

    /// <summary>Starts a session with <c>agent.run</c> and returns its id.</summary>
    public static async Task<string> RunAsync(this TestClient client, string task)
    {
        var result = await client.ResultAsync("agent.run", new { task });
        return result.GetProperty("sessionId").GetString()!;
    }

    /// <summary>The <c>params</c> of the first notification of <paramref name="eventName"/> whose data matches.</summary>
    public static async Task<JsonElement> WaitForEventAsync(this TestClient client, string eventName, Func<JsonElement, bool> data, TimeSpan? timeout = null)
    {
        var message = await client.WaitForAsync(
            m => IsNotify(m, eventName, data),
            $"event {eventName}",
            timeout);
        return message.GetProperty("params");
    }

    /// <summary>The first notification of <paramref name="eventName"/> about <paramref name="sessionId"/>.</summary>
    public static Task<JsonElement> WaitForSessionEventAsync(this TestClient client, string eventName, string sessionId, TimeSpan? timeout = null)
        => client.WaitForEventAsync(eventName, d => HasString(d, "sessionId", sessionId), timeout);

    /// <summary>Every notification received so far of <paramref name="eventName"/> whose data matches.</summary>
    public static IReadOnlyList<JsonElement> Events(this TestClient client, string eventName, Func<JsonElement, bool> data)
        => [.. client.Messages.Where(m => IsNotify(m, eventName, data)).Select(m => m.GetProperty("params"))];

    public static bool HasString(JsonElement obj, string name, string value)
        => obj.ValueKind == JsonValueKind.Object
           && obj.TryGetProperty(name, out var member)
           && member.ValueKind == JsonValueKind.String
           && member.GetString() == value;

    private static bool IsNotify(JsonElement message, string eventName, Func<JsonElement, bool> data)
        => message.TryGetProperty("method", out var method) && method.GetString() == "notify"
           && message.GetProperty("params") is var p
           && p.GetProperty("event").GetString() == eventName
           && data(p.GetProperty("data"));

    private static async Task<JsonElement> WaitForAsync(this TestClient client, Func<JsonElement, bool> predicate, string what, TimeSpan? timeout)
    {
        await Wait.UntilAsync(() => client.Messages.Any(predicate) || client.Closed.IsCompleted, what, timeout ?? Timeout);
        var found = client.Messages.FirstOrDefault(predicate);
        Assert.True(found.ValueKind != JsonValueKind.Undefined, $"the connection closed ({client.CloseStatus} {client.CloseDescription}) before {what}");
        return found;
    }
}
