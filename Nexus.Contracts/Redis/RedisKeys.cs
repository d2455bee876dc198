namespace Nexus.Contracts.Redis;

/// <summary>
/// Keys of the state that the runner writes and every gateway replica reads.
/// One place, so both sides cannot drift apart.
/// </summary>
public static class RedisKeys
{
    /// <summary>Prefix of <see cref="Session"/>; scripts that walk a set of session ids build the keys from it.</summary>
    public const string SessionPrefix = "nexus:session:";

    /// <summary>Hash: owner, task, status, startedAt, endedAt, runner, result, reason.</summary>
    public static string Session(string sessionId) => SessionPrefix + sessionId;

    /// <summary>Field of <see cref="Session"/> that holds the owning user id; it never changes.</summary>
    public const string SessionOwnerField = "owner";

    /// <summary>Sorted set of a user's session ids, scored by startedAt (epoch ms).</summary>
    public static string UserSessions(string userId) => "nexus:user-sessions:" + userId;

    /// <summary>Set of a user's sessions that are running or waiting: the per-user quota (Runner:MaxSessionsPerUser).</summary>
    public static string UserLiveSessions(string userId) => "nexus:user-live:" + userId;

    /// <summary>Hash: requestId, sessionId, owner, tool, arguments (JSON), requestedAt, expiresAt, status, by, reason, decidedAt.</summary>
    public static string Approval(string requestId) => "nexus:approval:" + requestId;

    /// <summary>Sorted set of pending approval request ids, scored by expiresAt (epoch ms).</summary>
    public const string PendingApprovals = "nexus:approvals:pending";

    /// <summary>String: idempotency key of an agent.run to the session id it created.</summary>
    public static string RunIdempotency(string owner, string key) => "nexus:run-idem:" + owner + ":" + key;
}
