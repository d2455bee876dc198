using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Durable;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// Sits between <see cref="FunctionInvokingChatClient"/> and the brain and saves the conversation, exactly as the brain is
/// about to see it, before every call: the session's checkpoint. Whoever continues the session after a crash, a stall or
/// a drain starts from the last one, and the tool journal answers the calls made since (issue 13 items 1 and 3).
/// </summary>
internal sealed class CheckpointChatClient(IChatClient brain, ConversationStore store, ISessionLease session) : DelegatingChatClient(brain)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        await store.SaveAsync(session, history);
        return await base.GetResponseAsync(history, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        await store.SaveAsync(session, history);
        await foreach (var update in base.GetStreamingResponseAsync(history, options, cancellationToken))
        {
            yield return update;
        }
    }
}
