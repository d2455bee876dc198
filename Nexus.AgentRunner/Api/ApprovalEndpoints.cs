using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.AgentRunner.Approvals;
using Nexus.Contracts.Events;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Api;

/// <summary>The approval half of the runner API (Nexus.Contracts/Runner/RunnerApi.cs).</summary>
internal static class ApprovalEndpoints
{
    private const int MaxReasonLength = 1000;

    public static RouteGroupBuilder MapApprovalEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals", ListAsync).WithName("ListApprovals")
            .WithSummary("Pending approval requests that have not expired.");
        api.MapPost("/approvals/{requestId}/decision", DecideAsync).WithName("DecideApproval")
            .WithSummary("Records a decision; the first valid one wins, later ones get 409 with the final state.");
        return api;
    }

    private static async Task<Ok<ApprovalListResponse>> ListAsync(ApprovalStore store, TimeProvider timeProvider)
    {
        var pending = await store.ListPendingAsync(timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return TypedResults.Ok(new ApprovalListResponse(pending.Select(ToData).ToList()));
    }

    private static async Task<Results<Ok<DecisionResponse>, Conflict<ApprovalConflict>, ProblemHttpResult>> DecideAsync(
        string requestId,
        DecisionRequest? request,
        ApprovalResolver resolver)
    {
        // Params first, then the lookup (PROTOCOL.md 4.3): a bad decision for an unknown request is a 400.
        if (request is null)
        {
            return Problems.BadParam("body", "The body must be a JSON object with 'decision' and 'by'.");
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

        if (Problems.RequireText("by", request.By, SessionEndpoints.MaxIdLength) is { } badBy)
        {
            return badBy;
        }

        if (request.Reason is { Length: > MaxReasonLength })
        {
            return Problems.BadParam("reason", $"'reason' is longer than {MaxReasonLength} characters.");
        }

        if (Problems.RequireText("requestId", requestId, SessionEndpoints.MaxIdLength) is { } badId)
        {
            return badId;
        }

        var outcome = await resolver.ResolveAsync(requestId, decision, request.By, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason);
        return outcome.Result switch
        {
            DecideResult.Won => TypedResults.Ok(new DecisionResponse(requestId, outcome.Status, "resolved")),
            DecideResult.Missing => Problems.NotFound($"No approval request '{requestId}'."),
            _ => TypedResults.Conflict(new ApprovalConflict(requestId, outcome.Status, outcome.By)),
        };
    }

    private static ApprovalRequestData ToData(ApprovalRecord record)
    {
        using var arguments = JsonDocument.Parse(record.ArgumentsJson);
        return new ApprovalRequestData(record.RequestId, record.SessionId, record.Owner, record.Tool, arguments.RootElement.Clone(), record.RequestedAt, record.ExpiresAt);
    }
}
