using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Contracts.Runner;

/// <summary>Source-generated JSON for the runner API types of issue 13 (audit records), camelCase as on the wire.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApprovalAuditListResponse))]
public sealed partial class RunnerJsonContext : JsonSerializerContext;
