using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// The default brain: a deterministic <see cref="IChatClient"/> that turns the task (the first user
/// message) into one tool call per step, in order, and ends with the last step's result as its answer.
/// It keeps no state: the number of tool results already in the conversation says which step is next,
/// so <see cref="FunctionInvokingChatClient"/> drives it exactly as it would drive a model.
/// </summary>
internal sealed class PlannerChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var task = history.FirstOrDefault(m => m.Role == ChatRole.User && !string.IsNullOrWhiteSpace(m.Text))?.Text
            ?? throw new PlanException("The conversation has no task.");
        var plan = TaskGrammar.Parse(task);
        var results = history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();

        ChatMessage reply;
        if (results.Count < plan.Count)
        {
            var step = plan[results.Count];
            var call = new FunctionCallContent("step-" + (results.Count + 1), step.Tool, step.Arguments.ToDictionary());
            reply = new ChatMessage(ChatRole.Assistant, [call]);
        }
        else
        {
            reply = new ChatMessage(ChatRole.Assistant, results.Count == 0 ? "" : ResultText(results[^1].Result));
        }

        return Task.FromResult(new ChatResponse(reply) { ModelId = "nexus-planner", FinishReason = results.Count < plan.Count ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    internal static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? "",
        JsonElement e => e.GetRawText(),
        _ => result.ToString() ?? "",
    };
}
