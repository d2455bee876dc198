using System.Text.Json;

namespace Nexus.Client;

/// <summary>Maps an event name of section 6 to its typed data; anything else (or malformed data) stays raw.</summary>
internal static class EventData
{
    public static NexusEvent? TryRead(string eventName, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            var context = ClientJsonContext.Default;
            return eventName switch
            {
                NexusEvents.AgentStarted => data.Deserialize(context.AgentStarted),
                NexusEvents.AgentProgress => data.Deserialize(context.AgentProgress),
                NexusEvents.AgentError => data.Deserialize(context.AgentError),
                NexusEvents.AgentCompleted => data.Deserialize(context.AgentCompleted),
                NexusEvents.ApprovalRequest => data.Deserialize(context.ApprovalRequest),
                NexusEvents.ApprovalResolved => data.Deserialize(context.ApprovalResolved),
                _ => null,
            };
        }
        catch (JsonException)
        {
            // Any process may publish any event name (docs/protocol.md section 1): data of another shape stays raw.
            return null;
        }
    }
}
