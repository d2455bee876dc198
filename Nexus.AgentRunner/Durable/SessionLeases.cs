using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Durable;

/// <summary>
/// The lease of each session (issue 13, fencing): one holder at a time, for <c>Runner:LeaseDuration</c> of Redis time,
/// renewed every heartbeat. Claiming a lease increments its fencing number, so whoever held it before can neither write
/// nor publish for the session any more. Released leases (parked sessions) are in no index that anyone polls.
/// </summary>
internal sealed class SessionLeases(IConnectionMultiplexer redis, RunnerInstance instance, IOptions<RunnerOptions> options)
{
    // claim(sid): takes the lease of a live session that nobody holds (never held, released, or expired), giving it the
    // next fencing number. A session that has ended leaves both indexes here.
    private const string ClaimFunction = $$"""
        {{FencedScript.NowFunction}}
        local now = now_ms()
        local holder, leaseMs, keep = ARGV[1], tonumber(ARGV[2]), ARGV[3]
        local function claim(sid)
          local status = redis.call('HGET', '{{RedisKeys.SessionPrefix}}' .. sid, 'status')
          if status ~= 'running' and status ~= 'waiting_approval' then
            redis.call('ZREM', '{{RunnerKeys.HeldLeases}}', sid)
            redis.call('ZREM', '{{RunnerKeys.ReadySessions}}', sid)
            return nil
          end
          local lease = '{{RunnerKeys.LeasePrefix}}' .. sid
          local l = redis.call('HMGET', lease, 'holder', 'until')
          if l[1] and l[1] ~= '' and tonumber(l[2] or '0') > now then return nil end
          local fence = redis.call('HINCRBY', lease, 'fence', 1)
          redis.call('HSET', lease, 'holder', holder, 'until', now + leaseMs)
          redis.call('PEXPIRE', lease, keep)
          redis.call('ZADD', '{{RunnerKeys.HeldLeases}}', now + leaseMs, sid)
          redis.call('ZREM', '{{RunnerKeys.ReadySessions}}', sid)
          redis.call('HSET', '{{RedisKeys.SessionPrefix}}' .. sid, 'runner', holder)
          return fence
        end

        """;

    // ARGV[4]: at most this many. The queue is read a little further than that, since its head may still be held (a
    // decision that arrived while its runner was parking the session: the runner rings again once it lets go).
    private const string ClaimReadyScript = ClaimFunction + """
        local out = {}
        for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) * 4 - 1)) do
          if #out >= tonumber(ARGV[4]) * 2 then break end
          local fence = claim(sid)
          if fence then table.insert(out, sid); table.insert(out, fence) end
        end
        return out
        """;

    // Sessions whose holder went silent past the lease: a crashed or stalled runner's. Taking them over fences it out.
    private const string ClaimExpiredScript = ClaimFunction + """
        local out = {}
        for _, sid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))) do
          local fence = claim(sid)
          if fence then table.insert(out, sid); table.insert(out, fence) end
        end
        return out
        """;

    private const string ClaimOneScript = ClaimFunction + """
        local fence = claim(ARGV[4])
        if fence then return fence end
        return 0
        """;

    // 0: another runner holds the lease (fenced out); 2: this runner let go of it meanwhile (the session parked, was drained
    // or ended), and a renewal must not take it back; 1: renewed.
    private const string RenewScript = $$"""
        {{FencedScript.NowFunction}}
        if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
        if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[2] then return 2 end
        local expires = now_ms() + tonumber(ARGV[3])
        redis.call('HSET', KEYS[1], 'holder', ARGV[2], 'until', expires)
        redis.call('ZADD', KEYS[2], expires, ARGV[4])
        return 1
        """;

    // Drain (issue 13 item 9): a stopping runner lets go of a running session and queues it for another replica, which
    // continues it from its last checkpoint.
    private const string ReleaseToReadyScript = FencedScript.Check + FencedScript.NowFunction + """
        redis.call('HSET', KEYS[1], 'holder', '', 'until', 0)
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('ZADD', KEYS[3], now_ms(), ARGV[2])
        redis.call('PUBLISH', ARGV[3], ARGV[2])
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    private long LeaseMs => (long)options.Value.LeaseDuration.TotalMilliseconds;

    private long KeepMs => (long)options.Value.RecordRetention.TotalMilliseconds;

    public static Fence FenceOf(string sessionId, long number) => new(RunnerKeys.Lease(sessionId), number);

    /// <summary>Sessions decided or drained and waiting for a runner, at most <paramref name="max"/>, oldest first.</summary>
    public Task<IReadOnlyList<ClaimedSession>> ClaimReadyAsync(int max) => ClaimManyAsync(ClaimReadyScript, RunnerKeys.ReadySessions, max);

    /// <summary>Sessions whose holder has not renewed its lease in time, at most <paramref name="max"/>.</summary>
    public Task<IReadOnlyList<ClaimedSession>> ClaimExpiredAsync(int max) => ClaimManyAsync(ClaimExpiredScript, RunnerKeys.HeldLeases, max);

    /// <summary>The lease of one session nobody holds (to cancel it while parked); null when it is held or has ended.</summary>
    public async Task<long?> ClaimAsync(string sessionId)
    {
        var fence = (long)await _db.ScriptEvaluateAsync(ClaimOneScript, [], [instance.Id, LeaseMs, KeepMs, sessionId]);
        return fence > 0 ? fence : null;
    }

    /// <summary>
    /// Extends the lease; <see langword="false"/> only when it holds another fencing number (lost). A lease this runner let
    /// go of meanwhile (the session parked or ended while the heartbeat ran) is left let go.
    /// </summary>
    public async Task<bool> RenewAsync(string sessionId, long fence)
        => (long)await _db.ScriptEvaluateAsync(RenewScript, [RunnerKeys.Lease(sessionId), RunnerKeys.HeldLeases], [fence, instance.Id, LeaseMs, sessionId]) != 0;

    /// <summary>Lets go of a running session and queues it for any replica (drain on stop).</summary>
    public Task ReleaseToReadyAsync(string sessionId, long fence)
        => FencedScript.EvaluateAsync(
            _db, sessionId, FenceOf(sessionId, fence), ReleaseToReadyScript, [RunnerKeys.HeldLeases, RunnerKeys.ReadySessions], [sessionId, RunnerKeys.WakeChannel]);

    private async Task<IReadOnlyList<ClaimedSession>> ClaimManyAsync(string script, string index, int max)
    {
        if (max <= 0)
        {
            return [];
        }

        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(script, [index], [instance.Id, LeaseMs, KeepMs, max]))!;
        var claimed = new List<ClaimedSession>(reply.Length / 2);
        for (var i = 0; i + 1 < reply.Length; i += 2)
        {
            claimed.Add(new ClaimedSession((string)reply[i]!, (long)reply[i + 1]));
        }

        return claimed;
    }
}
