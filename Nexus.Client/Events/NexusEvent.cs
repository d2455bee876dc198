using System.Text.Json;

namespace Nexus.Client;

/// <summary>
/// The data of one of the events Nexus publishes itself (docs/protocol.md section 6), read from a <see cref="Notification"/>
/// with <see cref="Notification.KnownEvent"/>. Match on the derived type:
/// <code>
/// switch (notification.KnownEvent)
/// {
///     case ApprovalRequest request: ...
///     case AgentCompleted completed: ...
/// }
/// </code>
/// </summary>
public abstract record NexusEvent;

/// <summary><c>agent.started</c> on <c>global</c>: a session began.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Task">The task it runs, as given to <c>agent.run</c>.</param>
/// <param name="Owner">The user who started it.</param>
public sealed record AgentStarted(string SessionId, string Task, string Owner) : NexusEvent;

/// <summary><c>agent.progress</c> on <c>agent:&lt;sessionId&gt;</c> (the owner only): a step of a session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Step">The step, counting from 1 within the session.</param>
/// <param name="Message">What the step does.</param>
public sealed record AgentProgress(string SessionId, int Step, string Message) : NexusEvent;

/// <summary><c>agent.error</c> on <c>global</c>: a session failed; an <see cref="AgentCompleted"/> follows.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Message">What went wrong.</param>
public sealed record AgentError(string SessionId, string Message) : NexusEvent;

/// <summary><c>agent.completed</c> on <c>global</c>: a session ended (exactly once per session).</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Success">Whether it completed its task.</param>
/// <param name="Result">Its result, when it has one.</param>
/// <param name="Reason">Why it failed: one of <see cref="NexusCompletionReasons"/>.</param>
public sealed record AgentCompleted(string SessionId, bool Success, string? Result = null, string? Reason = null) : NexusEvent;

/// <summary><c>approval_request</c> on <c>approval</c>: a session waits for a human to allow a tool call.</summary>
/// <param name="RequestId">What to answer with <see cref="NexusClient.RespondToApprovalAsync"/>.</param>
/// <param name="SessionId">The waiting session.</param>
/// <param name="Owner">The session's owner.</param>
/// <param name="Tool">The tool the session wants to run.</param>
/// <param name="Arguments">The tool's arguments, as the session gave them.</param>
/// <param name="RequestedAt">When the request was made.</param>
/// <param name="ExpiresAt">When it is denied automatically if nobody answers.</param>
public sealed record ApprovalRequest(
    string RequestId, string SessionId, string Owner, string Tool, JsonElement Arguments, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt) : NexusEvent;

/// <summary><c>approval_resolved</c> on <c>approval</c>: a request was decided (exactly once per request).</summary>
/// <param name="RequestId">The request.</param>
/// <param name="SessionId">Its session.</param>
/// <param name="Decision"><c>approved</c>, <c>denied</c> or <c>expired</c>.</param>
/// <param name="By">Who decided; <c>system</c> on expiry.</param>
/// <param name="Reason">The decider's reason, when given.</param>
public sealed record ApprovalResolved(string RequestId, string SessionId, string Decision, string By, string? Reason = null) : NexusEvent;
