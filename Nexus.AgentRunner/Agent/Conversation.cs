using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Durable;

namespace Nexus.AgentRunner.Agent;

/// <summary>Reading a session's conversation: the approval requests still unanswered, and the calls it already holds.</summary>
internal static class Conversation
{
    public const string SystemPrompt =
        "You are the Nexus agent. Do the user's task with the tools you are given, one step at a time, " +
        "then answer with the result only.";

    public static List<ChatMessage> Start(string task, bool planner)
        => planner ? [new(ChatRole.User, task)] : [new(ChatRole.System, SystemPrompt), new(ChatRole.User, task)];

    /// <summary>The library's approval requests that no message answers yet, in order.</summary>
    public static IReadOnlyList<ToolApprovalRequestContent> UnansweredApprovals(IEnumerable<ChatMessage> messages)
    {
        var contents = messages.SelectMany(m => m.Contents).ToList();
        var answered = contents.OfType<ToolApprovalResponseContent>().Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        return [.. contents.OfType<ToolApprovalRequestContent>().Where(r => !answered.Contains(r.RequestId))];
    }

    /// <summary>
    /// Puts back the calls the journal completed after the checkpoint was taken (the runner stopped between a tool and the
    /// next call of the brain), as the library itself would have written them, so the brain sees their results and is not
    /// tempted to ask for them again.
    /// </summary>
    public static void AppendMissing(List<ChatMessage> messages, IReadOnlyList<JournalEntry> completed)
    {
        var known = messages.SelectMany(m => m.Contents)
            .SelectMany(c => c switch
            {
                FunctionCallContent call => [call.CallId],
                ToolApprovalRequestContent { ToolCall: FunctionCallContent call } => [call.CallId],
                _ => Array.Empty<string>(),
            })
            .ToHashSet(StringComparer.Ordinal);
        foreach (var entry in completed.Where(e => !known.Contains(e.CallId)))
        {
            messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(entry.CallId, entry.Name, entry.Arguments)]));
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(entry.CallId, entry.Result)]));
        }
    }
}
