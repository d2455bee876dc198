using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Api;

/// <summary>The session half of the runner API (Nexus.Contracts/Runner/RunnerApi.cs).</summary>
internal static class SessionEndpoints
{
    public const int MaxIdLength = 200;

    private static readonly TimeSpan ListWindow = TimeSpan.FromHours(24);
    private const int ListMax = 100;

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/sessions", CreateAsync).WithName("CreateSession")
            .WithSummary("Starts an agent session for an owner; a retry with the same Idempotency-Key returns the same session.");
        api.MapPost("/sessions/{sessionId}/cancel", CancelAsync).WithName("CancelSession")
            .WithSummary("Cancels a session; only its owner may.");
        api.MapGet("/sessions", ListAsync).WithName("ListSessions")
            .WithSummary("The owner's sessions of the last 24 hours, newest first, at most 100.");
        return api;
    }

    private static async Task<Results<Created<CreateSessionResponse>, Ok<CreateSessionResponse>, ProblemHttpResult>> CreateAsync(
        CreateSessionRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        SessionManager sessions,
        IOptions<RunnerOptions> options)
    {
        if (request is null)
        {
            return Problems.BadParam("body", "The body must be a JSON object with 'owner' and 'task'.");
        }

        if (Problems.RequireText("owner", request.Owner, MaxIdLength) is { } badOwner)
        {
            return badOwner;
        }

        if (Problems.RequireText("task", request.Task, options.Value.MaxTaskLength) is { } badTask)
        {
            return badTask;
        }

        if (idempotencyKey is not null && Problems.RequireText("Idempotency-Key", idempotencyKey, MaxIdLength) is { } badKey)
        {
            return badKey;
        }

        var result = await sessions.StartAsync(request.Owner, request.Task, idempotencyKey);
        return result.Outcome switch
        {
            StartOutcome.Created => TypedResults.Created($"/api/sessions/{result.SessionId}", new CreateSessionResponse(result.SessionId!)),
            StartOutcome.Existing => TypedResults.Ok(new CreateSessionResponse(result.SessionId!)),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Runner busy",
                detail: "This runner runs as many sessions as Runner:MaxConcurrentSessions allows; try again later."),
        };
    }

    private static async Task<Results<Accepted<CancelSessionResponse>, ProblemHttpResult>> CancelAsync(
        string sessionId,
        CancelSessionRequest? request,
        SessionManager sessions)
    {
        if (request is null)
        {
            return Problems.BadParam("body", "The body must be a JSON object with 'user'.");
        }

        if (Problems.RequireText("user", request.User, MaxIdLength) is { } badUser)
        {
            return badUser;
        }

        if (Problems.RequireText("sessionId", sessionId, MaxIdLength) is { } badId)
        {
            return badId;
        }

        var result = await sessions.CancelAsync(sessionId, request.User);
        return result.Outcome switch
        {
            CancelOutcome.NotFound => Problems.NotFound($"No session '{sessionId}'."),
            CancelOutcome.Forbidden => Problems.Forbidden("Only the session's owner may cancel it."),
            _ => TypedResults.Accepted((string?)null, new CancelSessionResponse(sessionId, result.Status!)),
        };
    }

    private static async Task<Results<Ok<SessionListResponse>, ProblemHttpResult>> ListAsync(
        [FromQuery] string? owner,
        SessionStore store,
        TimeProvider timeProvider)
    {
        if (Problems.RequireText("owner", owner, MaxIdLength) is { } badOwner)
        {
            return badOwner;
        }

        var since = (timeProvider.GetUtcNow() - ListWindow).ToUnixTimeMilliseconds();
        var records = await store.ListAsync(owner!, since, ListMax);
        return TypedResults.Ok(new SessionListResponse(records.Select(r => new SessionSummary(r.SessionId, r.Task, r.Status, r.StartedAt)).ToList()));
    }
}
