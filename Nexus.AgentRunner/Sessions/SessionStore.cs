using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Session records in Redis: the hash every gateway reads for the owner, the owner's index, the active set, and the
/// session's lease. Times are Redis's (issue 13, "one clock").
/// </summary>
internal sealed class SessionStore(IConnectionMultiplexer redis, IOptions<RunnerOptions> options)
{
    // Creates the record, the owner's index entry, the live-set entries and the lease (fence 1, held by ARGV[4]), unless
    // the owner already has ARGV[7] live sessions (Runner:MaxSessionsPerUser, on every replica at once; parked sessions
    // count, they are waiting). Members of the owner's live set whose record has ended or expired are pruned first, so a
    // lost update can never lock a user out for good; the walk is bounded by the quota.
    private const string CreateScript = FencedScript.NowFunction + """
        local max = tonumber(ARGV[7])
        if redis.call('SCARD', KEYS[4]) >= max then
          for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
            local status = redis.call('HGET', ARGV[8] .. id, 'status')
            if status ~= 'running' and status ~= 'waiting_approval' then redis.call('SREM', KEYS[4], id) end
          end
          if redis.call('SCARD', KEYS[4]) >= max then return {0, 0, 0} end
        end
        local now = now_ms()
        redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'task', ARGV[2], 'status', ARGV[3], 'startedAt', now, 'runner', ARGV[4], 'steps', 0)
        if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'traceparent', ARGV[10]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('ZADD', KEYS[2], now, ARGV[6])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        redis.call('SADD', KEYS[3], ARGV[6])
        redis.call('SADD', KEYS[4], ARGV[6])
        redis.call('PEXPIRE', KEYS[4], ARGV[5])
        local fence = redis.call('HINCRBY', KEYS[5], 'fence', 1)
        redis.call('HSET', KEYS[5], 'holder', ARGV[4], 'until', now + tonumber(ARGV[9]))
        redis.call('PEXPIRE', KEYS[5], ARGV[5])
        redis.call('ZADD', KEYS[6], now + tonumber(ARGV[9]), ARGV[6])
        return {1, now, fence}
        """;

    // Ends a live session, fenced: only its lease holder ends it, so it ends once and publishes one agent.completed.
    // Its lease is let go, its conversation and journal are no longer needed, and any approval a human granted whose
    // tool never ran gets its audit outcome (executed: false). KEYS[8], the owner's live set, frees the quota slot.
    private const string FinishScript = FencedScript.Check + FencedScript.NowFunction + """
        local status = redis.call('HGET', KEYS[2], 'status')
        if status ~= 'running' and status ~= 'waiting_approval' then return {0, 0} end
        local now = now_ms()
        redis.call('HSET', KEYS[2], 'status', ARGV[2], 'endedAt', now)
        if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'result', ARGV[3]) end
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'reason', ARGV[4]) end
        redis.call('HDEL', KEYS[2], 'approval')
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        redis.call('SREM', KEYS[3], ARGV[6])
        redis.call('SREM', KEYS[8], ARGV[6])
        redis.call('HSET', KEYS[1], 'holder', '', 'until', 0)
        redis.call('ZREM', KEYS[4], ARGV[6])
        redis.call('ZREM', KEYS[5], ARGV[6])
        local journal = redis.call('HGETALL', KEYS[6])
        for i = 1, #journal, 2 do
          local field = journal[i]
          if string.sub(field, 1, 3) == 'ac:' then
            local approval = ARGV[7] .. journal[i + 1]
            if redis.call('HGET', approval, 'status') == 'approved' and not redis.call('HGET', approval, 'executed') then
              redis.call('HSET', approval, 'executed', '0')
            end
          end
        end
        redis.call('DEL', KEYS[6], KEYS[7])
        return {1, now}
        """;

    // A parked session that a runner continues is running again (its approvals answered), fenced.
    private const string SetRunningScript = FencedScript.Check + """
        local status = redis.call('HGET', KEYS[2], 'status')
        if status ~= 'running' and status ~= 'waiting_approval' then return 0 end
        redis.call('HSET', KEYS[2], 'status', 'running')
        redis.call('HDEL', KEYS[2], 'approval')
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    private long RetentionMs => (long)options.Value.RecordRetention.TotalMilliseconds;

    /// <summary>
    /// Writes the record, the owner's index entry, the live-set entries and the lease in one atomic step; null (and
    /// nothing written) when the owner already has <c>Runner:MaxSessionsPerUser</c> live sessions.
    /// </summary>
    public async Task<(long StartedAt, long Fence)?> CreateAsync(string sessionId, string owner, string task, string runner, string? traceParent)
    {
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            CreateScript,
            [RedisKeys.Session(sessionId), RedisKeys.UserSessions(owner), RunnerKeys.ActiveSessions, RedisKeys.UserLiveSessions(owner), RunnerKeys.Lease(sessionId), RunnerKeys.HeldLeases],
            [owner, task, SessionStatus.Running, runner, RetentionMs, sessionId, options.Value.MaxSessionsPerUser, RedisKeys.SessionPrefix, (long)options.Value.LeaseDuration.TotalMilliseconds, traceParent ?? ""]))!;
        return (long)reply[0] == 1 ? ((long)reply[1], (long)reply[2]) : null;
    }

    public async Task<SessionRecord?> GetAsync(string sessionId)
    {
        var entries = await _db.HashGetAllAsync(RedisKeys.Session(sessionId));
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        return new SessionRecord(
            sessionId,
            map.GetValueOrDefault(RedisKeys.SessionOwnerField, ""),
            map.GetValueOrDefault("task", ""),
            map.GetValueOrDefault("status", ""),
            ParseLong(map.GetValueOrDefault("startedAt")) ?? 0,
            map.GetValueOrDefault("runner", ""),
            ParseLong(map.GetValueOrDefault("endedAt")),
            map.GetValueOrDefault("result"),
            map.GetValueOrDefault("reason"),
            map.GetValueOrDefault("approval"),
            map.ContainsKey("cancelRequested"),
            (int)(ParseLong(map.GetValueOrDefault("steps")) ?? 0),
            map.GetValueOrDefault("traceparent"));
    }

    /// <summary>Marks a continued session running again (fenced).</summary>
    public Task SetRunningAsync(ISessionLease session)
        => FencedScript.EvaluateAsync(_db, session.SessionId, session.Fence, SetRunningScript, [RedisKeys.Session(session.SessionId)], []);

    /// <summary>
    /// Ends the session with a final status (fenced); its end time (Redis's) for the one caller that ended it, null when
    /// it had already ended. <paramref name="owner"/> frees the owner's quota slot.
    /// </summary>
    public async Task<long?> FinishAsync(ISessionLease session, string owner, string status, string? result, string? reason)
    {
        var id = session.SessionId;
        var reply = (RedisResult[])(await FencedScript.EvaluateAsync(
            _db,
            id,
            session.Fence,
            FinishScript,
            [RedisKeys.Session(id), RunnerKeys.ActiveSessions, RunnerKeys.HeldLeases, RunnerKeys.ReadySessions, RunnerKeys.Journal(id), RunnerKeys.Conversation(id), RedisKeys.UserLiveSessions(owner)],
            [status, result ?? "", reason ?? "", RetentionMs, id, RedisKeys.Approval("")]))!;
        return (long)reply[0] == 1 ? (long)reply[1] : null;
    }

    public async Task RequestCancelAsync(string sessionId)
        => await _db.HashSetAsync(RedisKeys.Session(sessionId), "cancelRequested", "1");

    /// <summary>Whether another replica stored a cancel request for the session (one field, not the whole record).</summary>
    public async Task<bool> CancelRequestedAsync(string sessionId)
        => await _db.HashExistsAsync(RedisKeys.Session(sessionId), "cancelRequested");

    /// <summary>The owner's sessions started at or after <paramref name="sinceMs"/>, newest first.</summary>
    public async Task<IReadOnlyList<SessionRecord>> ListAsync(string owner, long sinceMs, int max)
    {
        var ids = await _db.SortedSetRangeByScoreAsync(
            RedisKeys.UserSessions(owner), sinceMs, double.PositiveInfinity, Exclude.None, Order.Descending, 0, max);
        var batch = _db.CreateBatch();
        var reads = ids.Select(id => (Id: id.ToString(), Task: batch.HashGetAsync(RedisKeys.Session(id.ToString()), ["task", "status", "startedAt", "endedAt", "result", "reason"]))).ToList();
        batch.Execute();
        var list = new List<SessionRecord>(reads.Count);
        foreach (var (id, read) in reads)
        {
            var values = await read;
            if (values[1].IsNull)
            {
                continue; // The record expired before its index entry.
            }

            list.Add(new SessionRecord(
                id, owner, values[0].ToString(), values[1].ToString(), ParseLong(values[2].ToString()) ?? 0, "",
                ParseLong(values[3].ToString()), values[4].IsNull ? null : values[4].ToString(), values[5].IsNull ? null : values[5].ToString()));
        }

        return list;
    }

    private static long? ParseLong(string? value)
        => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
