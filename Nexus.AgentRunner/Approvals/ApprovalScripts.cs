using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Redis;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// The Lua of approval decisions, shared by a person's decision and the expiry sweeper so both obey one rule: the first
/// decision wins (issue 3), the time is Redis's (issue 13, "one clock"), a decision that can no longer take effect
/// expires the request instead of being accepted and dropped (issue 13 item 4), every decision is indexed for the audit
/// (kept <c>Approvals:AuditRetention</c>), and a decision on a parked session queues it for a runner and rings the bell
/// (issue 13 item 1: the decision itself wakes the session; nobody polls).
/// </summary>
internal static class ApprovalScripts
{
    // decide(rid, decision, by, reason, force, forbidOwner, now, keep): force ('1') expires before the due time, for a
    // session that ends while it waits; forbidOwner ('1') refuses the session's owner (Approvals:AllowSelfApproval=false).
    private const string DecideFunction = $$"""
        local function decide(rid, decision, by, reason, force, forbid, now, keep)
          local key = '{{ApprovalPrefix}}' .. rid
          local status = redis.call('HGET', key, 'status')
          if not status then
            redis.call('ZREM', '{{RedisKeys.PendingApprovals}}', rid)
            return {'missing', '', '', '', ''}
          end
          local sid = redis.call('HGET', key, 'sessionId') or ''
          local owner = redis.call('HGET', key, 'owner') or ''
          if forbid == '1' and owner == by then return {'forbidden', status, '', sid, ''} end
          if status ~= 'pending' then
            return {'conflict', status, redis.call('HGET', key, 'by') or '', sid, redis.call('HGET', key, 'reason') or ''}
          end
          local due = tonumber(redis.call('HGET', key, 'expiresAt'))
          local session = '{{RedisKeys.SessionPrefix}}' .. sid
          local parked = redis.call('HGET', session, 'status') == 'waiting_approval' and redis.call('HGET', session, 'approval') == rid
          local result = 'won'
          if decision == 'expired' then
            if now < due and force ~= '1' then return {'notdue', status, '', sid, ''} end
          elseif now >= due or not parked then
            decision, by, reason, result = 'expired', 'system', '', 'expired'
          end
          redis.call('HSET', key, 'status', decision, 'by', by, 'decidedAt', now)
          if reason ~= '' then redis.call('HSET', key, 'reason', reason) end
          if decision ~= 'approved' then redis.call('HSET', key, 'executed', '0') end
          redis.call('PEXPIRE', key, keep)
          redis.call('ZREM', '{{RedisKeys.PendingApprovals}}', rid)
          for _, index in ipairs({'{{RunnerKeys.DecidedApprovals}}', '{{RunnerKeys.DecidedApprovalsOfPrefix}}' .. owner}) do
            redis.call('ZADD', index, now, rid)
            redis.call('ZREMRANGEBYSCORE', index, '-inf', now - keep)
            redis.call('PEXPIRE', index, keep)
          end
          redis.call('PEXPIRE', '{{RunnerKeys.SessionApprovalsPrefix}}' .. sid, keep)
          if parked and force ~= '1' then
            redis.call('ZADD', '{{RunnerKeys.ReadySessions}}', now, sid)
            redis.call('PUBLISH', '{{RunnerKeys.WakeChannel}}', sid)
          end
          return {result, decision, by, sid, reason}
        end

        """;

    /// <summary>ARGV: decision, by, reason, force, request id, forbid owner, audit retention (ms).</summary>
    public const string Decide = FencedScript.NowFunction + DecideFunction + """
        return decide(ARGV[5], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[6], now_ms(), tonumber(ARGV[7]))
        """;

    /// <summary>
    /// Expires every pending request due by Redis's clock, at most ARGV[1], in one step: one decision per request, made by
    /// whichever replica's sweep comes first (issue 13 item 5). Returns request id and session id of each it expired.
    /// </summary>
    public const string Sweep = FencedScript.NowFunction + DecideFunction + $$"""
        local now = now_ms()
        local out = {}
        for _, rid in ipairs(redis.call('ZRANGEBYSCORE', '{{RedisKeys.PendingApprovals}}', '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
          local r = decide(rid, 'expired', 'system', '', '0', '0', now, tonumber(ARGV[2]))
          if r[1] == 'won' then table.insert(out, rid); table.insert(out, r[4]) end
        end
        return out
        """;

    // Parks the session on a new approval request, fenced: the request, the conversation to continue from, the map from
    // the library's request id to ours, and the session's status, all at once, with Redis's time. The lease is kept
    // until the request has been announced (Release).
    // KEYS: lease, session, approval, conversation, journal, session's approvals. ARGV: fence, rid, sid, owner, tool,
    // arguments, timeout (ms), conversation, retention (ms), library request id, call id, steps.
    public const string Park = FencedScript.Check + FencedScript.NowFunction + $$"""
        local now = now_ms()
        local due = now + tonumber(ARGV[7])
        redis.call('HSET', KEYS[3], 'requestId', ARGV[2], 'sessionId', ARGV[3], 'owner', ARGV[4], 'tool', ARGV[5],
          'arguments', ARGV[6], 'requestedAt', now, 'expiresAt', due, 'status', 'pending', 'callId', ARGV[11])
        redis.call('PEXPIRE', KEYS[3], ARGV[9])
        redis.call('ZADD', '{{RedisKeys.PendingApprovals}}', due, ARGV[2])
        redis.call('ZADD', KEYS[6], now, ARGV[2])
        redis.call('PEXPIRE', KEYS[6], ARGV[9])
        redis.call('SET', KEYS[4], ARGV[8], 'PX', ARGV[9])
        redis.call('HSET', KEYS[5], 'a:' .. ARGV[10], ARGV[2], 'ac:' .. ARGV[11], ARGV[2])
        redis.call('PEXPIRE', KEYS[5], ARGV[9])
        redis.call('HSET', KEYS[2], 'status', 'waiting_approval', 'approval', ARGV[2], 'steps', ARGV[12])
        return {now, due}
        """;

    // Lets go of a parked session once its request is announced; if a decision came meanwhile (it queued the session
    // but nobody could claim it while this runner held it), rings the bell again.
    // KEYS: lease, approval. ARGV: fence, sid.
    public const string Release = FencedScript.Check + $$"""
        redis.call('HSET', KEYS[1], 'holder', '', 'until', 0)
        redis.call('ZREM', '{{RunnerKeys.HeldLeases}}', ARGV[2])
        redis.call('HSET', KEYS[2], 'announced', '1')
        if redis.call('ZSCORE', '{{RunnerKeys.ReadySessions}}', ARGV[2]) then
          redis.call('PUBLISH', '{{RunnerKeys.WakeChannel}}', ARGV[2])
        end
        return 1
        """;

    /// <summary>The prefix of <see cref="RedisKeys.Approval"/>, spelled out for the constant scripts (a test keeps them equal).</summary>
    internal const string ApprovalPrefix = "nexus:approval:";
}
