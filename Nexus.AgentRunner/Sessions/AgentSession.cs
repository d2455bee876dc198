using Nexus.AgentRunner.Agent;

namespace Nexus.AgentRunner.Sessions;

/// <summary>Why a session's token was cancelled.</summary>
internal enum CancelKind
{
    None,
    User,
    Shutdown,
}

/// <summary>A session running on this instance: its identity, its cancellation and what its tools may use.</summary>
internal sealed class AgentSession(SessionRecord record, SessionSandbox sandbox, SessionEvents events) : ISessionContext
{
    private int _step;
    private int _cancelKind;

    public string SessionId => record.SessionId;

    public string Owner => record.Owner;

    public string Task => record.Task;

    public long StartedAt => record.StartedAt;

    public SessionSandbox Sandbox => sandbox;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The approval this session waits for, if any: resolved as expired when the session ends first.</summary>
    public string? PendingApprovalId { get; set; }

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
        => events.ProgressAsync(SessionId, Interlocked.Increment(ref _step), message);
}
