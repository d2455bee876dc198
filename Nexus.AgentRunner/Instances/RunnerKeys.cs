namespace Nexus.AgentRunner.Instances;

/// <summary>
/// Redis keys only runners use (the shared ones are in Nexus.Contracts' RedisKeys). Scripts that reach keys through an
/// id they read build them from the prefixes here: Nexus runs on a single Redis (no cluster), where a script may touch
/// keys it computes.
/// </summary>
internal static class RunnerKeys
{
    /// <summary>String with a TTL: present while the runner instance is alive.</summary>
    public static string Heartbeat(string instanceId) => "nexus:runner:" + instanceId;

    /// <summary>Set of the ids of sessions that are running or waiting for approval, on any instance.</summary>
    public const string ActiveSessions = "nexus:sessions:active";

    /// <summary>Internal pub/sub channel (not under nexus:notify:, so clients never see it) asking runners to cancel a session.</summary>
    public const string CancelChannel = "nexus:runner-cancel";

    /// <summary>
    /// Internal pub/sub channel: a session was queued in <see cref="ReadySessions"/> (a decision, a drained runner). It only
    /// rings the bell; the queue is the truth, and every runner also looks at it each heartbeat.
    /// </summary>
    public const string WakeChannel = "nexus:runner-wake";

    public const string LeasePrefix = "nexus:lease:";

    /// <summary>Hash: <c>fence</c> (the fencing number, only ever incremented), <c>holder</c> (runner id, empty when released), <c>until</c> (Redis ms).</summary>
    public static string Lease(string sessionId) => LeasePrefix + sessionId;

    /// <summary>Sorted set of the sessions whose lease is held, scored by its expiry (Redis ms): what a takeover looks at.</summary>
    public const string HeldLeases = "nexus:leases";

    /// <summary>Sorted set of the sessions that wait for a runner to continue them (decided approval, drained), scored by when queued.</summary>
    public const string ReadySessions = "nexus:sessions:ready";

    public const string ConversationPrefix = "nexus:conversation:";

    /// <summary>String: the session's conversation (Microsoft.Extensions.AI chat messages as JSON), its last checkpoint.</summary>
    public static string Conversation(string sessionId) => ConversationPrefix + sessionId;

    public const string JournalPrefix = "nexus:journal:";

    /// <summary>
    /// Hash, the tool journal: <c>c:&lt;callId&gt;</c> the call (name, arguments, order) written before it runs,
    /// <c>r:&lt;callId&gt;</c> its result written after; <c>a:&lt;library request id&gt;</c> and <c>ac:&lt;callId&gt;</c> the
    /// approval request id of an approval-gated call; <c>seq</c> the order counter.
    /// </summary>
    public static string Journal(string sessionId) => JournalPrefix + sessionId;

    /// <summary>Sorted set of every decided approval request, scored by decidedAt: the audit index.</summary>
    public const string DecidedApprovals = "nexus:approvals:decided";

    public const string DecidedApprovalsOfPrefix = "nexus:approvals:decided-of:";

    /// <summary>The audit index of one owner's sessions (what a non-approver may see under restriction).</summary>
    public static string DecidedApprovalsOf(string owner) => DecidedApprovalsOfPrefix + owner;

    public const string SessionApprovalsPrefix = "nexus:session-approvals:";

    /// <summary>Sorted set of one session's approval requests, scored by requestedAt.</summary>
    public static string SessionApprovals(string sessionId) => SessionApprovalsPrefix + sessionId;

    /// <summary>
    /// String: an idempotency key of one user to the session it created. The user id is length-prefixed so that no
    /// user id and key can ever spell another user's entry (a colon in either would otherwise do).
    /// </summary>
    public static string RunIdempotency(string owner, string key)
        => "nexus:run-idem:" + owner.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + owner + ":" + key;
}
