using System.CommandLine;

namespace Nexus.Cli.Commands;

/// <summary><c>nexus agents list|cancel</c>: the caller's sessions.</summary>
internal static class AgentsCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "The session, e.g. s_…" };

    public static Command Create()
    {
        var list = new Command("list", "The caller's sessions of the last 24 hours, newest first.");
        list.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var sessions = await client.ListAgentsAsync(cancellationToken);
            if (parse.GetValue(Connection.Json))
            {
                Output.WriteResult(sessions, CliJsonContext.Default.IReadOnlyListAgentSession, json: true, "");
                return ExitCodes.Ok;
            }

            foreach (var s in sessions)
            {
                Console.WriteLine($"{s.SessionId}  {s.Status,-16}  {s.StartedAt.ToLocalTime():HH:mm:ss}  {s.Task}{(s.Result is null ? "" : "  → " + s.Result)}");
            }

            if (sessions.Count == 0)
            {
                Console.WriteLine("No sessions in the last 24 hours.");
            }

            return ExitCodes.Ok;
        }, cancellationToken));

        var cancel = new Command("cancel", "Cancel one of the caller's sessions.") { SessionId };
        cancel.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var result = await client.CancelAgentAsync(parse.GetValue(SessionId)!, cancellationToken);
            Output.WriteResult(result, CliJsonContext.Default.AgentCancelResult, parse.GetValue(Connection.Json), $"{result.SessionId} {result.Status}");
            return ExitCodes.Ok;
        }, cancellationToken));

        return new Command("agents", "List and cancel the caller's agent sessions.") { list, cancel };
    }
}
