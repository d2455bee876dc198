using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Sessions;

/// <summary>Session records in Redis: the hash every gateway reads for the owner, the owner's index and the active set.</summary>
internal sealed class SessionStore(IConnectionMultiplexer redis, IOptions<RunnerOptions> options)
{
    // Creates the record, the owner's index entry and the live-set entries, unless the owner already has ARGV[8]
    // live sessions (Runner:MaxSessionsPerUser, on every replica at once). Members of the owner's live set whose
    // record has ended or expired are pruned first, so a lost update can never lock a user out for good; the walk
    // is bounded by the quota. The records' keys are built from ARGV[9], the session key prefix: Nexus runs on a
    // single Redis (no cluster), where a script may touch keys it computes.
    private const string CreateScript = """
        local max = tonumber(ARGV[8])
        if redis.call('SCARD', KEYS[4]) >= max then
          for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
            local status = redis.call('HGET', ARGV[9] .. id, 'status')
            if status ~= 'running' and status ~= 'waiting_approval' then redis.call('SREM', KEYS[4], id) end
          end
          if redis.call('SCARD', KEYS[4]) >= max then return 0 end
        end
        redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'task', ARGV[2], 'status', ARGV[3], 'startedAt', ARGV[4], 'runner', ARGV[5])
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[6]))
        redis.call('PEXPIRE', KEYS[2], ARGV[6])
        redis.call('SADD', KEYS[3], ARGV[7])
        redis.call('SADD', KEYS[4], ARGV[7])
        redis.call('PEXPIRE', KEYS[4], ARGV[6])
        return 1
        """;

    // Ends a session only while it is still live, so exactly one party (its runner, a shutdown or an
    // orphan sweeper on any replica) wins and publishes agent.completed. KEYS[3], the owner's live set, is
    // absent when the record is already gone (its owner unknown); CreateScript prunes that entry later.
    private const string FinishScript = """
        local status = redis.call('HGET', KEYS[1], 'status')
        if KEYS[3] then redis.call('SREM', KEYS[3], ARGV[6]) end
        if status ~= 'running' and status ~= 'waiting_approval' then
          redis.call('SREM', KEYS[2], ARGV[6])
          return 0
        end
        redis.call('HSET', KEYS[1], 'status', ARGV[1], 'endedAt', ARGV[2])
        if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[3]) end
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[4]) end
        redis.call('HDEL', KEYS[1], 'approval')
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('SREM', KEYS[2], ARGV[6])
        return 1
        """;

    // Changes running <-> waiting_approval, never a final status back to a live one.
    private const string SetLiveStatusScript = """
        local status = redis.call('HGET', KEYS[1], 'status')
        if status ~= 'running' and status ~= 'waiting_approval' then return 0 end
        redis.call('HSET', KEYS[1], 'status', ARGV[1])
        if ARGV[2] == '' then redis.call('HDEL', KEYS[1], 'approval') else redis.call('HSET', KEYS[1], 'approval', ARGV[2]) end
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    private long RetentionMs => (long)options.Value.RecordRetention.TotalMilliseconds;

    /// <summary>
    /// Writes the record, the owner's index entry and the live-set entries in one atomic step; <see langword="false"/>
    /// (and nothing written) when the owner already has <c>Runner:MaxSessionsPerUser</c> live sessions.
    /// </summary>
    public async Task<bool> CreateAsync(SessionRecord record)
    {
        var created = await _db.ScriptEvaluateAsync(
            CreateScript,
            [RedisKeys.Session(record.SessionId), RedisKeys.UserSessions(record.Owner), RunnerKeys.ActiveSessions, RedisKeys.UserLiveSessions(record.Owner)],
            [record.Owner, record.Task, record.Status, record.StartedAt, record.Runner, RetentionMs, record.SessionId, options.Value.MaxSessionsPerUser, RedisKeys.SessionPrefix]);
        return (long)created == 1;
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
            map.ContainsKey("cancelRequested"));
    }

    /// <summary>Marks the session waiting for <paramref name="approvalId"/>, or running again when it is null.</summary>
    public async Task SetLiveStatusAsync(string sessionId, string? approvalId)
        => await _db.ScriptEvaluateAsync(
            SetLiveStatusScript,
            [RedisKeys.Session(sessionId)],
            [approvalId is null ? SessionStatus.Running : SessionStatus.WaitingApproval, approvalId ?? ""]);

    /// <summary>
    /// Ends the session with a final status; <see langword="true"/> only for the one caller that ended it.
    /// <paramref name="owner"/> frees the owner's quota slot; null only when the record is gone.
    /// </summary>
    public async Task<bool> FinishAsync(string sessionId, string? owner, string status, long endedAt, string? result, string? reason)
    {
        RedisKey[] keys = owner is null
            ? [RedisKeys.Session(sessionId), RunnerKeys.ActiveSessions]
            : [RedisKeys.Session(sessionId), RunnerKeys.ActiveSessions, RedisKeys.UserLiveSessions(owner)];
        var won = await _db.ScriptEvaluateAsync(
            FinishScript,
            keys,
            [status, endedAt, result ?? "", reason ?? "", RetentionMs, sessionId]);
        return (long)won == 1;
    }

    public async Task RequestCancelAsync(string sessionId)
        => await _db.HashSetAsync(RedisKeys.Session(sessionId), "cancelRequested", "1");

    /// <summary>The owner's sessions started at or after <paramref name="sinceMs"/>, newest first.</summary>
    public async Task<IReadOnlyList<SessionRecord>> ListAsync(string owner, long sinceMs, int max)
    {
        var ids = await _db.SortedSetRangeByScoreAsync(
            RedisKeys.UserSessions(owner), sinceMs, double.PositiveInfinity, Exclude.None, Order.Descending, 0, max);
        var batch = _db.CreateBatch();
        var reads = ids.Select(id => (Id: id.ToString(), Task: batch.HashGetAsync(RedisKeys.Session(id.ToString()), ["task", "status", "startedAt"]))).ToList();
        batch.Execute();
        var list = new List<SessionRecord>(reads.Count);
        foreach (var (id, read) in reads)
        {
            var values = await read;
            if (values[1].IsNull)
            {
                continue; // The record expired before its index entry.
            }

            list.Add(new SessionRecord(id, owner, values[0].ToString(), values[1].ToString(), ParseLong(values[2].ToString()) ?? 0, ""));
        }

        return list;
    }

    public async Task<IReadOnlyList<string>> ActiveSessionIdsAsync()
        => (await _db.SetMembersAsync(RunnerKeys.ActiveSessions)).Select(v => v.ToString()).ToList();

    private static long? ParseLong(string? value)
        => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
