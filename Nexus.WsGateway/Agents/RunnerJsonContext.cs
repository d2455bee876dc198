using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Contracts.Runner;

namespace Nexus.WsGateway.Agents;

/// <summary>The runner API DTOs, also written as JSON-RPC results: their camelCase shapes are those of PROTOCOL.md 4.2.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateSessionRequest))]
[JsonSerializable(typeof(CreateSessionResponse))]
[JsonSerializable(typeof(CancelSessionRequest))]
[JsonSerializable(typeof(CancelSessionResponse))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(ApprovalListResponse))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(DecisionResponse))]
[JsonSerializable(typeof(ApprovalConflict))]
internal sealed partial class RunnerJsonContext : JsonSerializerContext;
