using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Client;

namespace Nexus.Cli.Commands;

/// <summary>What the commands print with <c>--json</c>: the wire's shapes, times in epoch milliseconds as on the wire.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochMillisecondsConverter)])]
[JsonSerializable(typeof(IReadOnlyList<ApprovalRecord>))]
[JsonSerializable(typeof(IReadOnlyList<AgentSession>))]
[JsonSerializable(typeof(ApprovalResponse))]
[JsonSerializable(typeof(AgentCancelResult))]
[JsonSerializable(typeof(RunStarted))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>The first line of <c>nexus run --json</c>: the result of <c>agent.run</c>.</summary>
internal sealed record RunStarted(string SessionId);

internal sealed class EpochMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64());

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteNumberValue(value.ToUnixTimeMilliseconds());
}
