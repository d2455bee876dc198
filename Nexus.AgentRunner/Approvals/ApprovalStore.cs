using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Instances;
using Nexus.Contracts.Events;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Approval requests as state in Redis: parked with their session, decided once (issue 3, point 5), expired by Redis's
/// clock, and kept as audit records (issue 13 item 6). The Lua is in <see cref="ApprovalScripts"/>.
/// </summary>
internal sealed class ApprovalStore(IConnectionMultiplexer redis, IOptions<RunnerOptions> runner, IOptions<ApprovalOptions> approvals)
{
    private readonly IDatabase _db = redis.GetDatabase();

    private long RetentionMs => (long)runner.Value.RecordRetention.TotalMilliseconds;

    private long AuditMs => (long)approvals.Value.AuditRetention.TotalMilliseconds;

    /// <summary>
    /// Parks <paramref name="session"/> on a new request for <paramref name="request"/> (fenced); returns requestedAt and
    /// expiresAt, both Redis's time. The lease stays held until <see cref="ReleaseAsync"/>.
    /// </summary>
    public async Task<(long RequestedAt, long ExpiresAt)> ParkAsync(ISessionLease session, string owner, ParkRequest request, string conversationJson)
    {
        var id = session.SessionId;
        var reply = (RedisResult[])(await FencedScript.EvaluateAsync(
            _db,
            id,
            session.Fence,
            ApprovalScripts.Park,
            [RedisKeys.Session(id), RedisKeys.Approval(request.RequestId), RunnerKeys.Conversation(id), RunnerKeys.Journal(id), RunnerKeys.SessionApprovals(id)],
            [
                request.RequestId, id, owner, request.Tool, request.ArgumentsJson, (long)approvals.Value.Timeout.TotalMilliseconds,
                conversationJson, RetentionMs, request.LibraryRequestId, request.CallId, session.Steps,
            ]))!;
        return ((long)reply[0], (long)reply[1]);
    }

    /// <summary>Lets go of the parked session once <paramref name="requestId"/> has been announced (fenced).</summary>
    public Task ReleaseAsync(ISessionLease session, string requestId)
        => FencedScript.EvaluateAsync(_db, session.SessionId, session.Fence, ApprovalScripts.Release, [RedisKeys.Approval(requestId)], [session.SessionId]);

    /// <summary>
    /// Decides <paramref name="requestId"/> with Redis's time; <paramref name="force"/> expires it before it is due (its
    /// session ends), <paramref name="forbidOwner"/> refuses the session's owner.
    /// </summary>
    public async Task<DecideOutcome> DecideAsync(string requestId, string decision, string by, string? reason, bool force = false, bool forbidOwner = false)
    {
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            ApprovalScripts.Decide,
            [],
            [decision, by, reason ?? "", force ? "1" : "0", requestId, forbidOwner ? "1" : "0", AuditMs]))!;
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

    /// <summary>Expires the requests due by Redis's clock, at most <paramref name="max"/>; those this call expired.</summary>
    public async Task<IReadOnlyList<ExpiredRequest>> SweepAsync(int max)
    {
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(ApprovalScripts.Sweep, [], [max, AuditMs]))!;
        var expired = new List<ExpiredRequest>(reply.Length / 2);
        for (var i = 0; i + 1 < reply.Length; i += 2)
        {
            expired.Add(new ExpiredRequest((string)reply[i]!, (string)reply[i + 1]!));
        }

        return expired;
    }

    /// <summary>Our request for the library's approval request <paramref name="libraryRequestId"/> of the session, if one was made.</summary>
    public async Task<ApprovalRecord?> ForLibraryRequestAsync(string sessionId, string libraryRequestId)
    {
        var requestId = await _db.HashGetAsync(RunnerKeys.Journal(sessionId), "a:" + libraryRequestId);
        return requestId.IsNull ? null : await GetAsync(requestId.ToString());
    }

    public async Task<ApprovalRecord?> GetAsync(string requestId)
        => ToRecord(requestId, await _db.HashGetAllAsync(RedisKeys.Approval(requestId)));

    /// <summary>
    /// Pending requests not yet due by Redis's clock, newest first, at most <paramref name="limit"/>; only
    /// <paramref name="owner"/>'s sessions' when it is set, only <paramref name="sessionId"/>'s when that is.
    /// </summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListPendingAsync(string? owner, string? sessionId, int limit)
    {
        var now = await RedisClock.NowMsAsync(_db);
        var ids = sessionId is null
            ? await _db.SortedSetRangeByScoreAsync(RedisKeys.PendingApprovals, now, double.PositiveInfinity, Exclude.Start)
            : await _db.SortedSetRangeByRankAsync(RunnerKeys.SessionApprovals(sessionId));
        var records = await ReadAsync(ids);
        return [.. records
            .Where(r => r.Status == ApprovalDecisions.Pending && r.ExpiresAt > now && (owner is null || r.Owner == owner))
            .OrderByDescending(r => r.RequestedAt)
            .Take(limit)];
    }

    /// <summary>Audit records, newest decision first, at most <paramref name="limit"/>, with the same filters as pending ones.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListDecidedAsync(string? owner, string? sessionId, int limit)
    {
        IReadOnlyList<ApprovalRecord> records;
        if (sessionId is not null)
        {
            records = await ReadAsync(await _db.SortedSetRangeByRankAsync(RunnerKeys.SessionApprovals(sessionId)));
        }
        else
        {
            // Newest first, and a little more than asked, since an index entry may outlive its record by a moment.
            var index = owner is null ? RunnerKeys.DecidedApprovals : RunnerKeys.DecidedApprovalsOf(owner);
            records = await ReadAsync(await _db.SortedSetRangeByRankAsync(index, 0, limit * 2, Order.Descending));
        }

        return [.. records
            .Where(r => r.Status != ApprovalDecisions.Pending && r.DecidedAt is not null && (owner is null || r.Owner == owner))
            .OrderByDescending(r => r.DecidedAt)
            .Take(limit)];
    }

    private async Task<IReadOnlyList<ApprovalRecord>> ReadAsync(RedisValue[] ids)
    {
        var batch = _db.CreateBatch();
        var reads = ids.Select(id => (Id: id.ToString(), Read: batch.HashGetAllAsync(RedisKeys.Approval(id.ToString())))).ToList();
        batch.Execute();
        var records = new List<ApprovalRecord>(reads.Count);
        foreach (var (id, read) in reads)
        {
            if (ToRecord(id, await read) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private static ApprovalRecord? ToRecord(string requestId, HashEntry[] entries)
    {
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
            ParseLong(map.GetValueOrDefault("requestedAt")) ?? 0,
            ParseLong(map.GetValueOrDefault("expiresAt")) ?? 0,
            map.GetValueOrDefault("status", ""),
            map.GetValueOrDefault("by"),
            map.GetValueOrDefault("reason"),
            ParseLong(map.GetValueOrDefault("decidedAt")),
            map.TryGetValue("executed", out var executed) ? executed == "1" : null,
            map.GetValueOrDefault("result"),
            map.ContainsKey("announced"));
    }

    private static string? Blank(string value) => value.Length == 0 ? null : value;

    private static long? ParseLong(string? value)
        => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
