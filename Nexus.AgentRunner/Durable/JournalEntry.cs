using System.Text.Json;

namespace Nexus.AgentRunner.Durable;

/// <summary>A tool call that completed, as the journal keeps it: enough to put it back into a conversation.</summary>
internal sealed record JournalEntry(string CallId, string Name, IDictionary<string, object?> Arguments, JsonElement Result, long Order);

/// <summary>What the journal says before a call: run it, or it already ran with this result.</summary>
internal readonly record struct JournalBegin(bool Completed, JsonElement Result);
