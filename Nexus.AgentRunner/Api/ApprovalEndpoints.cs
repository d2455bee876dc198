using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Auth;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Api;

/// <summary>
/// The approval half of the runner API (Nexus.Contracts/Runner/RunnerApi.cs). The approval rules of the socket
/// (docs/protocol.md section 5) are enforced here, for every caller: restricted approvals, self-approval, the decider
/// being the authenticated caller.
/// </summary>
internal static class ApprovalEndpoints
{
    private const int MaxReasonLength = 1000;

    /// <summary>The most pending requests one unlimited list returns.</summary>
    private const int MaxPendingListed = 1000;

    public static RouteGroupBuilder MapApprovalEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals", ListAsync).WithName("ListApprovals")
            .WithSummary("Approval requests, newest first: pending ones (state=pending, the default) or audit records (state=decided), "
                + "optionally of one session, at most limit (1 to 100; default: every pending request, or the newest 100 records); under restricted approvals a non-approver sees only those of their own sessions.");
        api.MapPost("/approvals/{requestId}/decision", DecideAsync).WithName("DecideApproval")
            .WithSummary("Records the caller's decision; the first valid one wins, later ones (and one that can no longer take effect) get 409 with the final state.");
        return api;
    }

    private static async Task<Results<Ok<ApprovalListResponse>, Ok<ApprovalAuditListResponse>, ProblemHttpResult>> ListAsync(
        string? state,
        string? sessionId,
        string? limit,
        Caller caller,
        ApprovalStore store,
        IOptions<RunnerAuthOptions> auth)
    {
        // Params first (docs/protocol.md 4.3), each named in the 400.
        state ??= ApprovalListStates.Pending;
        if (state is not (ApprovalListStates.Pending or ApprovalListStates.Decided))
        {
            return Problems.BadParam("state", "'state' must be \"pending\" or \"decided\".");
        }

        if (sessionId is not null && Problems.RequireText("sessionId", sessionId, SessionEndpoints.MaxIdLength) is { } badSession)
        {
            return badSession;
        }

        // Without a limit, every pending request (as before version 1.1: a client re-syncs its cards from this list) but
        // only the newest 100 audit records.
        var max = state == ApprovalListStates.Pending ? MaxPendingListed : ApprovalListStates.MaxLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > ApprovalListStates.MaxLimit))
        {
            return Problems.BadParam("limit", $"'limit' must be an integer from 1 to {ApprovalListStates.MaxLimit}.");
        }

        // Who sees what is one rule for requests and their audit records: under restriction a non-approver sees what
        // concerns their own sessions (read-only); otherwise everyone sees everything.
        var owner = auth.Value.RestrictApprovals && !caller.IsApprover ? caller.UserId : null;
        if (state == ApprovalListStates.Decided)
        {
            var decided = await store.ListDecidedAsync(owner, sessionId, max);
            return TypedResults.Ok(new ApprovalAuditListResponse(decided.Select(ToAudit).ToList()));
        }

        var pending = await store.ListPendingAsync(owner, sessionId, max);
        return TypedResults.Ok(new ApprovalListResponse(pending.Select(ToData).ToList()));
    }

    private static async Task<Results<Ok<DecisionResponse>, Conflict<ApprovalConflict>, ProblemHttpResult>> DecideAsync(
        string requestId,
        DecisionRequest? request,
        Caller caller,
        ApprovalResolver resolver,
        IOptions<RunnerAuthOptions> auth,
        IOptions<ApprovalOptions> approvals)
    {
        // Params first, then the lookup (docs/protocol.md 4.3): a bad decision for an unknown request is a 400.
        if (request is null)
        {
            return Problems.BadParam("body", "The body must be a JSON object with 'decision'.");
        }

        var decision = request.Decision switch
        {
            "approve" => ApprovalDecisions.Approved,
            "deny" => ApprovalDecisions.Denied,
            _ => null,
        };
        if (decision is null)
        {
            return Problems.BadParam("decision", "'decision' must be \"approve\" or \"deny\".");
        }

        if (request.Reason is { Length: > MaxReasonLength })
        {
            return Problems.BadParam("reason", $"'reason' is longer than {MaxReasonLength} characters.");
        }

        if (Problems.RequireText("requestId", requestId, SessionEndpoints.MaxIdLength) is { } badId)
        {
            return badId;
        }

        if (auth.Value.RestrictApprovals && !caller.IsApprover)
        {
            return Problems.Forbidden("Only approvers may decide approvals.");
        }

        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason;
        var outcome = await resolver.ResolveAsync(requestId, decision, caller.UserId, reason, forbidOwner: !approvals.Value.AllowSelfApproval);
        return outcome.Result switch
        {
            DecideResult.Won => TypedResults.Ok(new DecisionResponse(requestId, outcome.Status, "resolved")),
            DecideResult.Missing => Problems.NotFound($"No approval request '{requestId}'."),
            DecideResult.Forbidden => Problems.Forbidden("The session's owner may not decide its own approval requests (Approvals:AllowSelfApproval is false)."),
            _ => TypedResults.Conflict(new ApprovalConflict(requestId, outcome.Status, outcome.By)),
        };
    }

    private static ApprovalRequestData ToData(ApprovalRecord record)
    {
        using var arguments = JsonDocument.Parse(record.ArgumentsJson);
        return new ApprovalRequestData(record.RequestId, record.SessionId, record.Owner, record.Tool, arguments.RootElement.Clone(), record.RequestedAt, record.ExpiresAt);
    }

    private static ApprovalAuditRecord ToAudit(ApprovalRecord record)
    {
        using var arguments = JsonDocument.Parse(record.ArgumentsJson);
        ApprovalOutcome? outcome = record.Executed switch
        {
            null => null,
            false => new ApprovalOutcome(false),
            true => new ApprovalOutcome(true, record.ResultJson is { } result ? JsonDocument.Parse(result).RootElement.Clone() : null),
        };
        return new ApprovalAuditRecord(
            record.RequestId, record.SessionId, record.Owner, record.Tool, arguments.RootElement.Clone(), record.RequestedAt, record.ExpiresAt,
            record.Status, record.By ?? ApprovalDecisions.System, record.Reason, record.DecidedAt ?? 0, outcome);
    }
}
