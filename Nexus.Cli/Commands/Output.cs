using System.Globalization;
using System.Text.Json;
using Nexus.Client;

namespace Nexus.Cli.Commands;

/// <summary>How commands print: JSON lines (<c>--json</c>, for jq) or one readable line per notification.</summary>
internal static class Output
{
    /// <summary>One notification: as JSON, the <c>params</c> of the <c>notify</c> as received.</summary>
    public static void Write(Notification notification, bool json)
    {
        if (json)
        {
            using var stream = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("channel", notification.Channel);
                writer.WriteString("event", notification.Event);
                writer.WritePropertyName("data");
                notification.Data.WriteTo(writer);
                writer.WriteNumber("timestamp", notification.Timestamp.ToUnixTimeMilliseconds());
                if (notification.Id is { } id)
                {
                    writer.WriteString("id", id);
                }

                writer.WriteEndObject();
            }

            stream.Write("\n"u8);
            return;
        }

        var time = notification.Timestamp.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        Console.WriteLine($"{time} {notification.Channel,-10} {notification.Event,-18} {Describe(notification)}");
    }

    /// <summary>A value as one JSON line, or <paramref name="text"/> when not <c>--json</c>.</summary>
    public static void WriteResult<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool json, string text)
        => Console.WriteLine(json ? JsonSerializer.Serialize(value, type) : text);

    private static string Describe(Notification n) => n.KnownEvent switch
    {
        AgentStarted s => $"{s.SessionId} started by {s.Owner}: {s.Task}",
        AgentProgress p => $"{p.SessionId} step {p.Step}: {p.Message}",
        AgentError e => $"{e.SessionId} error: {e.Message}",
        AgentCompleted { Success: true } c => $"{c.SessionId} completed: {c.Result}",
        AgentCompleted c => $"{c.SessionId} failed ({c.Reason})",
        ApprovalRequest r => $"{r.RequestId} {r.Owner}'s {r.SessionId} asks to run {r.Tool} {r.Arguments.GetRawText()} (expires {r.ExpiresAt.ToLocalTime():HH:mm:ss})",
        ApprovalResolved r => $"{r.RequestId} {r.Decision} by {r.By}{(r.Reason is null ? "" : ": " + r.Reason)}",
        _ => n.Data.GetRawText(),
    };
}
