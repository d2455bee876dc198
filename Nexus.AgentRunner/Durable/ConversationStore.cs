using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Durable;

/// <summary>
/// A session's conversation in Redis (issue 13 item 1): the chat messages, function calls and approval requests in
/// Microsoft.Extensions.AI's own JSON (<see cref="AIJsonUtilities.DefaultOptions"/>), so any replica can load it and
/// continue with <see cref="FunctionInvokingChatClient"/> as if it had never stopped.
/// </summary>
internal sealed class ConversationStore(IConnectionMultiplexer redis, IOptions<RunnerOptions> options)
{
    private const string SaveScript = FencedScript.Check + """
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('HSET', KEYS[3], 'steps', ARGV[4])
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    public static string Serialize(IEnumerable<ChatMessage> messages)
        => JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IEnumerable<ChatMessage>)));

    /// <summary>The last checkpoint, or null when the session has none yet (it starts from its task).</summary>
    public async Task<List<ChatMessage>?> LoadAsync(string sessionId)
    {
        var json = await _db.StringGetAsync(RunnerKeys.Conversation(sessionId));
        return json.IsNull
            ? null
            : (List<ChatMessage>?)JsonSerializer.Deserialize(json.ToString(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(List<ChatMessage>)));
    }

    /// <summary>Saves the conversation as the session's checkpoint, with the progress step reached (fenced).</summary>
    public Task SaveAsync(ISessionLease session, IEnumerable<ChatMessage> messages)
        => FencedScript.EvaluateAsync(
            _db,
            session.SessionId,
            session.Fence,
            SaveScript,
            [RunnerKeys.Conversation(session.SessionId), RedisKeys.Session(session.SessionId)],
            [Serialize(messages), (long)options.Value.RecordRetention.TotalMilliseconds, session.Steps]);
}
