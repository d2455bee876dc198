using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Durable;

/// <summary>
/// The tool journal of a session (issue 13 item 3): each call is written before it runs and its result after, both
/// fenced. A call whose result is written never runs again, whoever continues the session; a call written but without
/// a result (its runner died or was fenced out while it ran) is run again by the next holder.
/// </summary>
internal sealed class ToolJournal(IConnectionMultiplexer redis, IOptions<RunnerOptions> options)
{
    private const string BeginScript = FencedScript.Check + """
        local r = redis.call('HGET', KEYS[2], 'r:' .. ARGV[2])
        if r then return {'done', r} end
        if redis.call('HEXISTS', KEYS[2], 'o:' .. ARGV[2]) == 0 then
          redis.call('HSET', KEYS[2], 'o:' .. ARGV[2], redis.call('HINCRBY', KEYS[2], 'seq', 1))
        end
        redis.call('HSET', KEYS[2], 'c:' .. ARGV[2], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        return {'run', ''}
        """;

    // The result, and, for a call a human approved, the audit record's outcome (docs/protocol.md 4.2).
    private const string EndScript = FencedScript.Check + """
        redis.call('HSET', KEYS[2], 'r:' .. ARGV[2], ARGV[3])
        local rid = redis.call('HGET', KEYS[2], 'ac:' .. ARGV[2])
        if rid then redis.call('HSET', ARGV[4] .. rid, 'executed', '1', 'result', ARGV[3]) end
        return 1
        """;

    private static readonly JsonSerializerOptions Json = AIJsonUtilities.DefaultOptions;

    private readonly IDatabase _db = redis.GetDatabase();

    public async Task<JournalBegin> BeginAsync(ISessionLease session, FunctionCallContent call)
    {
        var callJson = JsonSerializer.Serialize(new JournalCall(call.Name, call.Arguments ?? new Dictionary<string, object?>()), Json.GetTypeInfo(typeof(JournalCall)));
        var reply = (RedisResult[])(await FencedScript.EvaluateAsync(
            _db, session.SessionId, session.Fence, BeginScript, [RunnerKeys.Journal(session.SessionId)],
            [call.CallId, callJson, (long)options.Value.RecordRetention.TotalMilliseconds]))!;
        return (string)reply[0]! == "done"
            ? new JournalBegin(true, JsonDocument.Parse((string)reply[1]!).RootElement.Clone())
            : new JournalBegin(false, default);
    }

    public Task EndAsync(ISessionLease session, string callId, object? result)
        => FencedScript.EvaluateAsync(
            _db, session.SessionId, session.Fence, EndScript, [RunnerKeys.Journal(session.SessionId)],
            [callId, JsonSerializer.Serialize(result, Json.GetTypeInfo(typeof(object))), RedisKeys.Approval("")]);

    /// <summary>Every completed call of the session, in the order they were begun.</summary>
    public async Task<IReadOnlyList<JournalEntry>> CompletedAsync(string sessionId)
    {
        var fields = (await _db.HashGetAllAsync(RunnerKeys.Journal(sessionId))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var entries = new List<JournalEntry>();
        foreach (var (name, value) in fields)
        {
            if (!name.StartsWith("r:", StringComparison.Ordinal))
            {
                continue;
            }

            var callId = name[2..];
            if (!fields.TryGetValue("c:" + callId, out var callJson)
                || JsonSerializer.Deserialize(callJson, Json.GetTypeInfo(typeof(JournalCall))) is not JournalCall call)
            {
                continue;
            }

            var order = long.TryParse(fields.GetValueOrDefault("o:" + callId), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : long.MaxValue;
            entries.Add(new JournalEntry(callId, call.Name, call.Arguments, JsonDocument.Parse(value).RootElement.Clone(), order));
        }

        return [.. entries.OrderBy(e => e.Order)];
    }

    /// <summary>The call as written before it runs.</summary>
    internal sealed record JournalCall(string Name, IDictionary<string, object?> Arguments);
}
