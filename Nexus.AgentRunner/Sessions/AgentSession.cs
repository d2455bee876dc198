using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Durable;
using Nexus.Contracts.Publishing;

namespace Nexus.AgentRunner.Sessions;

/// <summary>Why a session's token was cancelled.</summary>
internal enum CancelKind
{
    None,
    User,

    /// <summary>The runner is stopping and its drain time is over: the session is parked for another replica.</summary>
    Shutdown,

    /// <summary>Another runner took the session over: this one stops without a word (issue 13, fencing).</summary>
    LeaseLost,
}

/// <summary>
/// A session held by this instance: its identity, the fence of its lease, its cancellation and what its tools may use.
/// It lives from a start or a resume to the session's end or the next park; the session itself lives in Redis.
/// </summary>
internal sealed class AgentSession(SessionRecord record, long fence, SessionSandbox sandbox, SessionEvents events) : ISessionContext, ISessionLease
{
    private int _step = record.Steps;
    private int _cancelKind;

    public string SessionId => record.SessionId;

    public string Owner => record.Owner;

    public string Task => record.Task;

    public long StartedAt => record.StartedAt;

    /// <summary>The W3C trace context of the <c>agent.run</c> that created the session, so every resume joins its trace.</summary>
    public string? TraceParent => record.TraceParent;

    public Fence Fence { get; } = SessionLeases.FenceOf(record.SessionId, fence);

    public int Steps => Volatile.Read(ref _step);

    public SessionSandbox Sandbox => sandbox;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The approval request this session waits for when it ends (cancel of a parked session): it expires.</summary>
    public string? PendingApprovalId { get; init; } = record.PendingApproval;

    public CancelKind CancelKind => (CancelKind)Volatile.Read(ref _cancelKind);

    public Task Completion { get; set; } = System.Threading.Tasks.Task.CompletedTask;

    /// <summary>Cancels the session; the first reason given is the one that counts.</summary>
    public void Cancel(CancelKind kind)
    {
        if (Interlocked.CompareExchange(ref _cancelKind, (int)kind, (int)CancelKind.None) == (int)CancelKind.None)
        {
            Cancellation.Cancel();
        }
    }

    public Task ReportProgressAsync(string message, CancellationToken cancellationToken)
        => events.ProgressAsync(this, Interlocked.Increment(ref _step), message);
}
