using System.Text.Json;

namespace Nexus.Bench.SignalRPeer;

/// <summary>What Nexus puts in <c>params</c> (docs/protocol.md 4.1), sent as the single argument of <c>notify</c>.</summary>
internal sealed record Notification(string Channel, string Event, JsonElement Data, JsonElement Timestamp);
