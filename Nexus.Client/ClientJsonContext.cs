using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Client;

/// <summary>Source-generated JSON for everything the client reads (STYLE.md habit 3): camelCase, epoch milliseconds for times.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(UnixMillisecondsConverter)])]
[JsonSerializable(typeof(AgentStarted))]
[JsonSerializable(typeof(AgentProgress))]
[JsonSerializable(typeof(AgentError))]
[JsonSerializable(typeof(AgentCompleted))]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(ApprovalResolved))]
[JsonSerializable(typeof(NexusFilter))]
[JsonSerializable(typeof(ResumeResult))]
[JsonSerializable(typeof(AgentCancelResult))]
[JsonSerializable(typeof(ApprovalResponse))]
[JsonSerializable(typeof(SessionsResult))]
[JsonSerializable(typeof(ApprovalsResult))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(FilterResult))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;

internal sealed record SessionsResult(IReadOnlyList<AgentSession> Sessions);

internal sealed record ApprovalsResult(IReadOnlyList<ApprovalRecord> Approvals);

internal sealed record RunResult(string SessionId);

internal sealed record FilterResult(NexusFilter Filter);

/// <summary>docs/protocol.md section 4.2: times in results and events are epoch milliseconds.</summary>
internal sealed class UnixMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.TokenType == JsonTokenType.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds(reader.TryGetInt64(out var ms) ? ms : (long)reader.GetDouble())
            : throw new JsonException("A time must be a number of epoch milliseconds.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteNumberValue(value.ToUnixTimeMilliseconds());
}
