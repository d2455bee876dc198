using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using OpenAI;

namespace Nexus.AgentRunner.Agent;

/// <summary>Chooses the session brain: an OpenAI-compatible model when <c>Runner:Model:Endpoint</c> is set, else the planner.</summary>
internal static class BrainFactory
{
    public static IChatClient Create(IOptions<RunnerOptions> options)
    {
        var model = options.Value.Model;
        if (!model.IsConfigured)
        {
            return new PlannerChatClient();
        }

        // Local OpenAI-compatible servers often need no key, but the client requires a non-empty one.
        var key = string.IsNullOrEmpty(model.ApiKey) ? "unused" : model.ApiKey;
        var client = new OpenAI.Chat.ChatClient(model.Name, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(model.Endpoint!) });
        return client.AsIChatClient();
    }

    /// <summary>Whether <paramref name="brain"/> is the built-in planner (which needs no system prompt).</summary>
    public static bool IsPlanner(IChatClient brain) => brain.GetService(typeof(PlannerChatClient)) is not null;
}
