using Nexus.Contracts.Publishing;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Durable;

/// <summary>
/// Runs the scripts that write a session's state only while its lease holds the caller's fencing number. Every such script
/// starts with <see cref="Check"/> (KEYS[1] the lease, ARGV[1] the fence) and answers the error <see cref="Error"/>
/// otherwise, which becomes a <see cref="LeaseLostException"/> here: one rule for every write, as for every publish.
/// </summary>
internal static class FencedScript
{
    public const string Error = "NEXUSFENCED";

    /// <summary>The first lines of every fenced script (ends with a new line, as every snippet here, to be concatenated).</summary>
    public const string Check = $$"""
        if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then
          return redis.error_reply('{{Error}} the session lease holds another fencing number')
        end

        """;

    /// <summary>Redis's clock in milliseconds: the one clock of every deadline (issue 13, "one clock").</summary>
    public const string NowFunction = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        """;

    public static async Task<RedisResult> EvaluateAsync(IDatabase db, string sessionId, Fence fence, string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(script, [fence.LeaseKey, .. keys], [fence.Number, .. args]);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith(Error, StringComparison.Ordinal))
        {
            throw new LeaseLostException(sessionId, fence.Number);
        }
    }
}
