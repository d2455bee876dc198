using System.CommandLine;
using System.Text.Json;
using Nexus.Client;

namespace Nexus.Cli.Commands;

/// <summary>
/// <c>nexus run &lt;task&gt;</c>: starts an agent session and follows it (progress, approval requests, the result) until
/// it completes. Exits 0 when it succeeded, 1 when it failed, was denied or cancelled.
/// </summary>
internal static class RunCommand
{
    private static readonly Argument<string> Task = new("task")
    {
        Description = "What the agent should do, e.g. \"write notes.txt hello then echo saved\".",
    };

    private static readonly Option<bool> NoFollow = new("--no-follow")
    {
        Description = "Print the session id and exit, without waiting for the session to end.",
    };

    private static readonly Option<string?> IdempotencyKey = new("--idempotency-key")
    {
        Description = "The same key from the same user within 24 hours returns the first run's session (safe to retry).",
    };

    public static Command Create()
    {
        var command = new Command("run", "Run a task and follow it until it completes.") { Task, NoFollow, IdempotencyKey };
        command.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var json = parse.GetValue(Connection.Json);
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var outcome = ExitCodes.Failed;
            string? sessionId = null;

            // After a reconnect that could not replay what was missed, the session may have ended unseen: ask.
            client.ResyncRequired += async _ =>
            {
                if (sessionId is null)
                {
                    return;
                }

                var session = (await client.ListAgentsAsync(cancellationToken)).FirstOrDefault(s => s.SessionId == sessionId);
                if (session is { Status: "completed" or "failed" or "cancelled" })
                {
                    Console.Error.WriteLine($"nexus: session {sessionId} ended while disconnected: {session.Status} {session.Result ?? session.Reason}");
                    outcome = session.Status == "completed" ? ExitCodes.Ok : ExitCodes.Failed;
                    await ended.CancelAsync();
                }
            };

            sessionId = await client.RunAgentAsync(parse.GetValue(Task)!, parse.GetValue(IdempotencyKey) ?? Guid.NewGuid().ToString("N"), cancellationToken);
            Output.WriteResult(new RunStarted(sessionId), CliJsonContext.Default.RunStarted, json, $"session {sessionId} started");
            if (parse.GetValue(NoFollow))
            {
                return ExitCodes.Ok;
            }

            // Everything received since the connection opened is still in the client's buffer, so events of the session
            // that arrived before agent.run answered are read here too.
            try
            {
                await foreach (var notification in client.ReadNotificationsAsync(ended.Token))
                {
                    if (!IsAbout(notification, sessionId))
                    {
                        continue;
                    }

                    Output.Write(notification, json);
                    if (!json && notification.KnownEvent is ApprovalRequest request)
                    {
                        Console.WriteLine($"         waiting for approval: nexus approvals approve {request.RequestId}  (or deny)");
                    }

                    if (notification.KnownEvent is AgentCompleted completed)
                    {
                        return completed.Success ? ExitCodes.Ok : ExitCodes.Failed;
                    }
                }
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return outcome;
            }

            return ExitCodes.Failed;
        }, cancellationToken));
        return command;
    }

    private static bool IsAbout(Notification notification, string sessionId)
        => notification.Data.ValueKind == JsonValueKind.Object
           && notification.Data.TryGetProperty("sessionId", out var id)
           && id.ValueKind == JsonValueKind.String
           && id.GetString() == sessionId;
}
