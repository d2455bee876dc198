namespace Nexus.AgentRunner.Sessions;

internal enum StartOutcome
{
    Created,

    /// <summary>The idempotency key was seen before: the same session is returned.</summary>
    Existing,

    /// <summary>This instance runs <c>Runner:MaxConcurrentSessions</c> sessions already, or is stopping.</summary>
    Unavailable,

    /// <summary>The owner has <c>Runner:MaxSessionsPerUser</c> sessions running or waiting.</summary>
    QuotaExceeded,
}

internal sealed record StartResult(StartOutcome Outcome, string? SessionId);

internal enum CancelOutcome
{
    Accepted,
    NotFound,
    Forbidden,
}

/// <summary><c>Status</c> is "cancelling", or the final status of a session that had already ended.</summary>
internal sealed record CancelResult(CancelOutcome Outcome, string? Status = null);
