using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;

namespace Nexus.AgentRunner.Agent;

/// <summary>How a turn of the loop ended without an exception.</summary>
internal enum LoopEnd
{
    /// <summary>The brain answered: the session completes with the answer.</summary>
    Answered,

    /// <summary>A tool call was denied or expired and <c>Runner:DenialEndsSession</c> holds: the session ends denied.</summary>
    Denied,

    /// <summary>The session waits for a person and is parked in Redis; this runner is done with it.</summary>
    Parked,
}

internal sealed record LoopOutcome(LoopEnd End, string? Result = null);

/// <summary>
/// The agent loop: the brain behind <see cref="FunctionInvokingChatClient"/>, which invokes the harmless tools itself and
/// stops with <see cref="ToolApprovalRequestContent"/> for approval-required ones. The loop starts from the session's
/// checkpoint (or its task), parks on a request nobody has decided, and on a decided one appends the library's own
/// approval response and goes on, on whichever runner holds the session (issue 13 item 1).
/// </summary>
internal sealed class AgentLoop(
    IChatClient brain,
    ConversationStore conversations,
    ToolJournal journal,
    ApprovalGate gate,
    SessionStore sessions,
    IOptions<RunnerOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    private const int MaxApprovalRounds = 50;

    private readonly bool _planner = BrainFactory.IsPlanner(brain);
    private readonly ILogger _logger = loggerFactory.CreateLogger<AgentLoop>();

    /// <summary>Whether a denial ends the session (<c>Runner:DenialEndsSession</c>; unset: with the planner only).</summary>
    public bool DenialEndsSession => options.Value.DenialEndsSession ?? _planner;

    public async Task<LoopOutcome> RunAsync(AgentSession session, CancellationToken cancellationToken)
    {
        var messages = await conversations.LoadAsync(session.SessionId) ?? Conversation.Start(session.Task, _planner);
        Conversation.AppendMissing(messages, await journal.CompletedAsync(session.SessionId));

        // Built per session so the invoker journals and reports for this session; building is cheap.
        // No 'using': disposing the pipeline would dispose the shared brain.
        var client = new ChatClientBuilder(brain)
            .UseFunctionInvocation(loggerFactory, invoker =>
            {
                // A failing tool ends the session with agent.error rather than being retried by the brain.
                invoker.MaximumConsecutiveErrorsPerRequest = 0;
                invoker.FunctionInvoker = JournaledInvoker.For(session, journal, _logger);
            })
            .Use(inner => new CheckpointChatClient(inner, conversations, session))
            .Build();
        var chatOptions = new ChatOptions { Tools = AgentTools.Create(session, timeProvider) };

        for (var round = 0; round < MaxApprovalRounds; round++)
        {
            var pending = Conversation.UnansweredApprovals(messages);
            if (pending.Count > 0)
            {
                var answers = new List<AIContent>(pending.Count);
                foreach (var request in pending)
                {
                    var (verdict, reason) = await gate.DecideOrParkAsync(session, messages, request);
                    switch (verdict)
                    {
                        case GateVerdict.Parked:
                            return new LoopOutcome(LoopEnd.Parked);
                        case GateVerdict.Denied when DenialEndsSession:
                            return new LoopOutcome(LoopEnd.Denied);
                        case GateVerdict.Denied:
                            // Returned to the brain as the tool's result; the library writes it as a rejected call.
                            answers.Add(request.CreateResponse(approved: false, reason));
                            break;
                        default:
                            answers.Add(request.CreateResponse(approved: true));
                            break;
                    }
                }

                messages.Add(new ChatMessage(ChatRole.User, answers));
                await sessions.SetRunningAsync(session);
            }

            var response = await client.GetResponseAsync(messages, chatOptions, cancellationToken);
            messages.AddMessages(response);
            if (!response.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Any())
            {
                var answer = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant && !string.IsNullOrEmpty(m.Text))?.Text ?? response.Text;
                return new LoopOutcome(LoopEnd.Answered, answer);
            }
        }

        throw new InvalidOperationException($"The agent asked for more than {MaxApprovalRounds} approvals.");
    }
}
