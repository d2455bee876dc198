namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// A new approval request for a tool call: our id, the tool and its arguments, and the ids that tie it to the
/// conversation (the library's approval request id and the function call id).
/// </summary>
internal sealed record ParkRequest(string RequestId, string Tool, string ArgumentsJson, string LibraryRequestId, string CallId);
