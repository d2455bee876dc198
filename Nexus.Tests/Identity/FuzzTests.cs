using System.Text;
using System.Text.Json;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Identity;

/// <summary>
/// Thousands of random and mutated messages, each in a well-formed text frame, at the JSON-RPC engine over a real
/// socket (the WebSocket frame parser is .NET's and is not fuzzed here): no crash,
/// every reply a valid JSON-RPC 2.0 response, the fuzzed connection still answers, and a bystander is unaffected.
/// Frames stay valid UTF-8 (the WebSocket layer itself closes on invalid UTF-8, which is not what is tested here).
/// </summary>
public sealed class FuzzTests
{
    private const int Frames = 3000;
    private const int SyncEvery = 250;

    private static readonly string[] s_seeds =
    [
        """{"jsonrpc":"2.0","id":1,"method":"notify.subscribe","params":{"channels":["approval","agent:*"]}}""",
        """{"jsonrpc":"2.0","id":"a","method":"notify.unsubscribe","params":{"channels":["global"]}}""",
        """{"jsonrpc":"2.0","method":"notify.subscribe","params":{"channels":["x"]}}""",
        """{"jsonrpc":"2.0","id":2,"method":"no.such.method","params":[1,2,3]}""",
        """[{"jsonrpc":"2.0","id":3,"method":"notify.subscribe","params":{"channels":["a"]}},{"jsonrpc":"2.0","id":4,"method":"x"}]""",
        """{"jsonrpc":"2.0","id":null,"method":"notify.unsubscribe","params":{"channels":[]}}""",
        """[]""",
    ];

    private static readonly string[] s_inserts =
    [
        "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u0000", "\\ud800", "null", "true", "-0", "1e999999", "-1e-999999",
        "123456789012345678901234567890123456789", "0x10", "NaN", "\u0000", "\u200f", "\uFEFF", "\U0001F600", "\u0301", "\"jsonrpc\":\"2.0\"",
        "\"id\":{}", "\"method\":7", "\"params\":\"x\"",
    ];

    [Fact]
    public async Task Random_and_mutated_messages_get_valid_JSON_RPC_replies_and_hurt_nobody()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await GatewayHost.StartAsync(redis, new Dictionary<string, string?> { ["Gateway:MaxRequestsPerSecond"] = "1000000" });
        host.AllowedErrorCategories.Add("Polly");
        await using var fuzzed = await host.ConnectAsync("fuzzed");
        await using var bystander = await host.ConnectAsync("bystander");
        var random = new Random(4242);

        for (var i = 1; i <= Frames; i++)
        {
            await fuzzed.SendTextAsync(NextFrame(random));
            if (i % SyncEvery == 0)
            {
                var syncId = $"sync-{i}";
                await fuzzed.SendTextAsync($$"""{"jsonrpc":"2.0","id":"{{syncId}}","method":"sync.probe"}""");
                await fuzzed.WaitForMessageAsync(m => IsReplyTo(m, syncId) || fuzzed.Closed.IsCompleted, $"answer to {syncId}");
                Assert.False(fuzzed.Closed.IsCompleted, $"the fuzzed connection ended (close {fuzzed.CloseStatus}) after {i} frames");
            }
        }

        var invalid = fuzzed.Messages.Where(m => !IsValidReply(m)).Select(m => m.GetRawText()).Take(5).ToList();
        Assert.True(invalid.Count == 0, "invalid replies:\n" + string.Join("\n", invalid));
        Assert.Contains(fuzzed.Messages, m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("error", out var e) && e.GetProperty("code").GetInt32() == -32700);

        await host.PublishAsync("global", """{"event":"after-fuzz"}""");
        await bystander.WaitForEventAsync("after-fuzz");
    }

    private static string NextFrame(Random random)
    {
        if (random.Next(10) == 0)
        {
            // Pure noise: random code points, valid UTF-16 so the frame is valid UTF-8.
            var noise = new StringBuilder();
            for (var i = random.Next(0, 64); i > 0; i--)
            {
                noise.Append(char.ConvertFromUtf32(random.Next(2) == 0 ? random.Next(0x20, 0x7F) : random.Next(0x80, 0xD7FF)));
            }

            return noise.ToString();
        }

        var frame = s_seeds[random.Next(s_seeds.Length)];
        for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            frame = Mutate(frame, random);
        }

        return frame;
    }

    private static string Mutate(string frame, Random random)
    {
        var at = random.Next(frame.Length + 1);
        return random.Next(6) switch
        {
            0 when frame.Length > 0 => frame.Remove(Math.Min(at, frame.Length - 1), 1).Insert(Math.Min(at, frame.Length - 1), ((char)random.Next(0x20, 0x7F)).ToString()),
            1 => frame[..at],
            2 => frame.Insert(at, s_inserts[random.Next(s_inserts.Length)]),
            3 => random.Next(2) == 0 ? $"[{frame},{frame}]" : $$"""{"jsonrpc":"2.0","id":9,"method":"notify.subscribe","params":{{frame}}}""",
            4 => new string('[', random.Next(1, 2000)) + frame + new string(']', random.Next(0, 2000)),
            _ => frame.Replace("2.0", random.Next(2) == 0 ? "1.0" : "2.00", StringComparison.Ordinal),
        };
    }

    private static bool IsReplyTo(JsonElement message, string id)
        => message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == id;

    private static bool IsValidReply(JsonElement message) => message.ValueKind switch
    {
        JsonValueKind.Object => IsValidResponse(message),
        JsonValueKind.Array => message.GetArrayLength() > 0 && message.EnumerateArray().All(IsValidResponse),
        _ => false,
    };

    private static bool IsValidResponse(JsonElement response)
    {
        if (response.ValueKind != JsonValueKind.Object
            || !response.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0"
            || !response.TryGetProperty("id", out var id) || id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return false;
        }

        var hasResult = response.TryGetProperty("result", out _);
        var hasError = response.TryGetProperty("error", out var error);
        return hasResult != hasError
            && (!hasError || (error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out _)
                && error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String));
    }
}
