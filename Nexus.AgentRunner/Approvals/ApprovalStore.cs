using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Approvals;

/// <summary>Approval requests as state in Redis; the first valid decision wins atomically (issue 3, point 5).</summary>
internal sealed class ApprovalStore(IConnectionMultiplexer redis, IOptions<RunnerOptions> options)
{
    // ARGV: decision (approved|denied|expired), by, reason, now (ms), force ('1': expire before the due time,
    // for sessions that end while waiting), requestId, forbid owner ('1': the session's owner may not decide,
    // Approvals:AllowSelfApproval=false). A human decision that arrives after expiresAt expires the request
    // instead, so an overdue request can never be approved. The owner check is here, in the same atomic step,
    // so no caller can get around it.
    private const string DecideScript = """
        local status = redis.call('HGET', KEYS[1], 'status')
        if not status then return {'missing', '', '', '', ''} end
        local sid = redis.call('HGET', KEYS[1], 'sessionId') or ''
        if ARGV[7] == '1' and redis.call('HGET', KEYS[1], 'owner') == ARGV[2] then
          return {'forbidden', status, '', sid, ''}
        end
        if status ~= 'pending' then
          return {'conflict', status, redis.call('HGET', KEYS[1], 'by') or '', sid, redis.call('HGET', KEYS[1], 'reason') or ''}
        end
        local now = tonumber(ARGV[4])
        local due = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
        local decision, by, reason, result = ARGV[1], ARGV[2], ARGV[3], 'won'
        if decision == 'expired' then
          if now < due and ARGV[5] ~= '1' then return {'notdue', status, '', sid, ''} end
        elseif now >= due then
          decision, by, reason, result = 'expired', 'system', '', 'expired'
        end
        redis.call('HSET', KEYS[1], 'status', decision, 'by', by, 'decidedAt', ARGV[4])
        if reason ~= '' then redis.call('HSET', KEYS[1], 'reason', reason) end
        redis.call('ZREM', KEYS[2], ARGV[6])
        return {result, decision, by, sid, reason}
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    public async Task CreateAsync(ApprovalRecord record)
    {
        var key = RedisKeys.Approval(record.RequestId);
        var tx = _db.CreateTransaction();
        _ = tx.HashSetAsync(key,
        [
            new("requestId", record.RequestId),
            new("sessionId", record.SessionId),
            new("owner", record.Owner),
            new("tool", record.Tool),
            new("arguments", record.ArgumentsJson),
            new("requestedAt", record.RequestedAt),
            new("expiresAt", record.ExpiresAt),
            new("status", record.Status),
        ]);
        _ = tx.KeyExpireAsync(key, options.Value.RecordRetention);
        _ = tx.SortedSetAddAsync(RedisKeys.PendingApprovals, record.RequestId, record.ExpiresAt);
        if (!await tx.ExecuteAsync())
        {
            throw new InvalidOperationException("The approval record transaction was not executed.");
        }
    }

    public async Task<DecideOutcome> DecideAsync(string requestId, string decision, string by, string? reason, long nowMs, bool force = false, bool forbidOwner = false)
    {
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            DecideScript,
            [RedisKeys.Approval(requestId), RedisKeys.PendingApprovals],
            [decision, by, reason ?? "", nowMs, force ? "1" : "0", requestId, forbidOwner ? "1" : "0"]))!;
        var result = reply[0].ToString() switch
        {
            "won" => DecideResult.Won,
            "expired" => DecideResult.ExpiredInstead,
            "conflict" => DecideResult.Conflict,
            "notdue" => DecideResult.NotDue,
            "forbidden" => DecideResult.Forbidden,
            _ => DecideResult.Missing,
        };
        return new DecideOutcome(result, reply[1].ToString(), Blank(reply[2].ToString()), reply[3].ToString(), Blank(reply[4].ToString()));
    }

    public async Task<ApprovalRecord?> GetAsync(string requestId)
    {
        var entries = await _db.HashGetAllAsync(RedisKeys.Approval(requestId));
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        return new ApprovalRecord(
            requestId,
            map.GetValueOrDefault("sessionId", ""),
            map.GetValueOrDefault("owner", ""),
            map.GetValueOrDefault("tool", ""),
            map.GetValueOrDefault("arguments", "null"),
            ParseLong(map.GetValueOrDefault("requestedAt")),
            ParseLong(map.GetValueOrDefault("expiresAt")),
            map.GetValueOrDefault("status", ""),
            map.GetValueOrDefault("by"),
            map.GetValueOrDefault("reason"));
    }

    /// <summary>Pending requests not yet due, oldest request first; only <paramref name="owner"/>'s sessions' when it is set.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListPendingAsync(long nowMs, string? owner = null, int max = 1000)
    {
        var ids = await _db.SortedSetRangeByScoreAsync(RedisKeys.PendingApprovals, nowMs, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, max);
        var records = new List<ApprovalRecord>(ids.Length);
        foreach (var id in ids)
        {
            if (await GetAsync(id.ToString()) is { Status: ApprovalDecisions.Pending } record && (owner is null || record.Owner == owner))
            {
                records.Add(record);
            }
        }

        return records.OrderBy(r => r.RequestedAt).ToList();
    }

    /// <summary>Ids of pending requests whose expiry is at or before <paramref name="nowMs"/>.</summary>
    public async Task<IReadOnlyList<string>> OverdueAsync(long nowMs, int max)
        => (await _db.SortedSetRangeByScoreAsync(RedisKeys.PendingApprovals, double.NegativeInfinity, nowMs, Exclude.None, Order.Ascending, 0, max))
            .Select(v => v.ToString()).ToList();

    public async Task RemovePendingAsync(string requestId)
        => await _db.SortedSetRemoveAsync(RedisKeys.PendingApprovals, requestId);

    private static string? Blank(string value) => value.Length == 0 ? null : value;

    private static long ParseLong(string? value)
        => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
