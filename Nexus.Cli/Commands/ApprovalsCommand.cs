using System.CommandLine;
using Nexus.Client;

namespace Nexus.Cli.Commands;

/// <summary><c>nexus approvals list|approve|deny</c>: the approval methods of docs/protocol.md section 4.2.</summary>
internal static class ApprovalsCommand
{
    private static readonly Option<bool> Decided = new("--decided")
    {
        Description = "List the audit records of decided requests instead of the pending ones.",
    };

    private static readonly Option<string?> Session = new("--session", "-s")
    {
        Description = "Only the requests of this session.",
    };

    private static readonly Option<int?> Limit = new("--limit")
    {
        Description = "At most this many (1..100).",
    };

    private static readonly Option<string?> Reason = new("--reason", "-r")
    {
        Description = "Why, shown to everyone in approval_resolved.",
    };

    private static readonly Argument<string> RequestId = new("request-id")
    {
        Description = "The request, e.g. apr_… (from 'nexus approvals list' or the approval_request event).",
    };

    public static Command Create()
    {
        var list = new Command("list", "List approval requests, newest first (pending by default).") { Decided, Session, Limit };
        list.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var approvals = await client.ListApprovalsAsync(
                parse.GetValue(Decided) ? ApprovalListState.Decided : null, parse.GetValue(Session), parse.GetValue(Limit), cancellationToken);
            if (parse.GetValue(Connection.Json))
            {
                Output.WriteResult(approvals, CliJsonContext.Default.IReadOnlyListApprovalRecord, json: true, "");
            }
            else if (approvals.Count == 0)
            {
                Console.WriteLine(parse.GetValue(Decided) ? "No decided approval requests." : "No pending approval requests.");
            }
            else
            {
                foreach (var a in approvals)
                {
                    var state = a.Decision is null ? $"expires {a.ExpiresAt.ToLocalTime():HH:mm:ss}" : $"{a.Decision} by {a.By}";
                    Console.WriteLine($"{a.RequestId}  {a.Owner}  {a.SessionId}  {a.Tool} {a.Arguments.GetRawText()}  {state}");
                }
            }

            return ExitCodes.Ok;
        }, cancellationToken));

        var command = new Command("approvals", "List and decide approval requests.") { list, Decide("approve", ApprovalDecision.Approve), Decide("deny", ApprovalDecision.Deny) };
        return command;
    }

    private static Command Decide(string name, ApprovalDecision decision)
    {
        var command = new Command(name, $"{(decision == ApprovalDecision.Approve ? "Approve" : "Deny")} an approval request.") { RequestId, Reason };
        command.SetAction((parse, cancellationToken) => Connection.WithClientAsync(parse, async client =>
        {
            var response = await client.RespondToApprovalAsync(parse.GetValue(RequestId)!, decision, parse.GetValue(Reason), cancellationToken);
            Output.WriteResult(response, CliJsonContext.Default.ApprovalResponse, parse.GetValue(Connection.Json), $"{response.RequestId} {response.Decision}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
