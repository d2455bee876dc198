using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Agent;

/// <summary>How the loop ended without an exception: with an answer, or on a tool call a human did not approve.</summary>
internal sealed record LoopOutcome(bool Approved, string? Result);

/// <summary>
/// The agent loop: the brain behind <see cref="FunctionInvokingChatClient"/>, which invokes the harmless tools
/// itself and stops with <see cref="ToolApprovalRequestContent"/> for approval-required ones; each such request
/// becomes our approval_request, and the loop resumes with the library's approval response once a human approved.
/// </summary>
internal static class AgentLoop
{
    private const int MaxApprovalRounds = 50;

    private const string SystemPrompt =
        "You are the Nexus agent. Do the user's task with the tools you are given, one step at a time, " +
        "then answer with the result only.";

    public static async Task<LoopOutcome> RunAsync(
        IChatClient brain,
        AgentSession session,
        ApprovalWaiter approvals,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        // Built per session so the invoker can report progress for this session; building is cheap.
        // No 'using': disposing the pipeline would dispose the shared brain.
        var client = new ChatClientBuilder(brain)
            .UseFunctionInvocation(loggerFactory, invoker =>
            {
                // A failing tool ends the session with agent.error rather than being retried by the brain.
                invoker.MaximumConsecutiveErrorsPerRequest = 0;
                invoker.FunctionInvoker = async (context, token) =>
                {
                    await session.ReportProgressAsync("running " + context.Function.Name, token);
                    return await context.Function.InvokeAsync(context.Arguments, token);
                };
            })
            .Build();

        List<ChatMessage> messages = BrainFactory.IsPlanner(brain)
            ? [new(ChatRole.User, session.Task)]
            : [new(ChatRole.System, SystemPrompt), new(ChatRole.User, session.Task)];
        var options = new ChatOptions { Tools = AgentTools.Create(session, timeProvider) };

        for (var round = 0; round < MaxApprovalRounds; round++)
        {
            var response = await client.GetResponseAsync(messages, options, cancellationToken);
            messages.AddMessages(response);
            var requests = response.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().ToList();
            if (requests.Count == 0)
            {
                var answer = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant && !string.IsNullOrEmpty(m.Text))?.Text ?? response.Text;
                return new LoopOutcome(true, answer);
            }

            var answers = new List<AIContent>(requests.Count);
            foreach (var request in requests)
            {
                var call = request.ToolCall as FunctionCallContent
                    ?? throw new InvalidOperationException("The brain asked to approve something that is not a function call.");
                var decision = await approvals.RequestAsync(session, call, cancellationToken);
                if (decision != ApprovalDecisions.Approved)
                {
                    return new LoopOutcome(false, null);
                }

                answers.Add(request.CreateResponse(approved: true));
            }

            messages.Add(new ChatMessage(ChatRole.User, answers));
        }

        throw new InvalidOperationException($"The agent asked for more than {MaxApprovalRounds} approvals.");
    }
}
