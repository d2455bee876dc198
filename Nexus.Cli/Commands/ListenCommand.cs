using System.CommandLine;

namespace Nexus.Cli.Commands;

/// <summary><c>nexus listen</c>: prints notifications as they arrive, with the filter of docs/protocol.md section 4.2.</summary>
internal static class ListenCommand
{
    private static readonly Option<string[]> Channels = new("--channel", "-c")
    {
        Description = "Receive only this channel (repeatable); a name ending in * matches by prefix, e.g. agent:*.",
    };

    private static readonly Option<string[]> Exclude = new("--exclude", "-x")
    {
        Description = "Never receive this channel (repeatable).",
    };

    private static readonly Option<string[]> Events = new("--event", "-e")
    {
        Description = "Print only this event (repeatable), e.g. approval_request.",
    };

    private static readonly Option<int?> Count = new("--count", "-n")
    {
        Description = "Exit after printing this many notifications.",
    };

    public static Command Create()
    {
        var command = new Command("listen", "Print notifications as they arrive (Ctrl+C to stop); reconnects and resumes by itself.")
        {
            Channels, Exclude, Events, Count,
        };
        command.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var json = parse.GetValue(Connection.Json);
            if (parse.GetValue(Channels) is { Length: > 0 } channels)
            {
                await client.SubscribeAsync(channels, cancellationToken);
            }

            if (parse.GetValue(Exclude) is { Length: > 0 } excluded)
            {
                await client.UnsubscribeAsync(excluded, cancellationToken);
            }

            var events = parse.GetValue(Events) is { Length: > 0 } names ? names.ToHashSet(StringComparer.Ordinal) : null;
            var left = parse.GetValue(Count);
            Console.Error.WriteLine($"nexus: listening on {parse.GetValue(Connection.Url)} (Ctrl+C to stop)");
            await foreach (var notification in client.ReadNotificationsAsync(cancellationToken))
            {
                if (events is not null && !events.Contains(notification.Event))
                {
                    continue;
                }

                Output.Write(notification, json);
                if (left is not null && --left <= 0)
                {
                    break;
                }
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
