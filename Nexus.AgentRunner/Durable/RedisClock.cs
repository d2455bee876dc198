using StackExchange.Redis;

namespace Nexus.AgentRunner.Durable;

/// <summary>
/// Redis's <c>TIME</c>, for the few reads that need "now" outside a script (listing what is not yet due): every replica
/// asks the same clock, so a replica with a skewed clock sees what the others see (issue 13, "one clock").
/// </summary>
internal static class RedisClock
{
    public static async Task<long> NowMsAsync(IDatabase db)
    {
        var reply = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long)reply[0] * 1000 + (long)reply[1] / 1000;
    }
}
