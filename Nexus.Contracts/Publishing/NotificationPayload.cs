using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace Nexus.Contracts.Publishing;

/// <summary>Writes the notification payload of docs/protocol.md section 1 as UTF-8 JSON.</summary>
internal static class NotificationPayload
{
    public static byte[] Build(string channel, string @event, JsonElement data, long timestamp, Activity? activity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("channel", channel);
            writer.WriteString("event", @event);
            writer.WritePropertyName("data");
            if (data.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                data.WriteTo(writer);
            }

            writer.WriteNumber("timestamp", timestamp);
            if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
            {
                writer.WriteString("traceparent", activity.Id);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
