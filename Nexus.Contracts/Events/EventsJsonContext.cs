using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Contracts.Runner;

namespace Nexus.Contracts.Events;

/// <summary>Source-generated JSON for event data and the runner API, camelCase as on the wire.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AgentStartedData))]
[JsonSerializable(typeof(AgentProgressData))]
[JsonSerializable(typeof(AgentErrorData))]
[JsonSerializable(typeof(AgentCompletedData))]
[JsonSerializable(typeof(ApprovalResolvedData))]
[JsonSerializable(typeof(ApprovalRequestData))]
[JsonSerializable(typeof(CreateSessionRequest))]
[JsonSerializable(typeof(CreateSessionResponse))]
[JsonSerializable(typeof(CancelSessionResponse))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(ApprovalListResponse))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(DecisionResponse))]
[JsonSerializable(typeof(ApprovalConflict))]
public sealed partial class NexusJsonContext : JsonSerializerContext;
