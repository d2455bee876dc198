using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Auth;
using Nexus.AgentRunner.Hosting;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Api;

/// <summary>The session half of the runner API (Nexus.Contracts/Runner/RunnerApi.cs); the caller owns what it starts and sees only its own.</summary>
internal static class SessionEndpoints
{
    public const int MaxIdLength = 200;

    private static readonly TimeSpan ListWindow = TimeSpan.FromHours(24);
    private const int ListMax = 100;

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/sessions", CreateAsync).WithName("CreateSession")
            .WithSummary("Starts an agent session owned by the caller; a retry with the same Idempotency-Key returns the same session.");
        api.MapPost("/sessions/{sessionId}/cancel", CancelAsync).WithName("CancelSession")
            .WithSummary("Cancels a session; only its owner may.");
        api.MapGet("/sessions", ListAsync).WithName("ListSessions")
            .WithSummary("The caller's sessions of the last 24 hours, newest first, at most 100; ended ones with endedAt, result and reason.");
        return api;
    }

    private static async Task<Results<Created<CreateSessionResponse>, Ok<CreateSessionResponse>, ProblemHttpResult>> CreateAsync(
        CreateSessionRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        Caller caller,
        SessionManager sessions,
        IOptions<RunnerOptions> options)
    {
        if (request is null)
        {
            return Problems.BadParam("body", "The body must be a JSON object with 'task'.");
        }

        if (Problems.RequireText("task", request.Task, options.Value.MaxTaskLength) is { } badTask)
        {
            return badTask;
        }

        if (idempotencyKey is not null && Problems.RequireText("Idempotency-Key", idempotencyKey, IdempotencyKeys.MaxLength) is { } badKey)
        {
            return badKey;
        }

        var result = await sessions.StartAsync(caller.UserId, request.Task, idempotencyKey);
        return result.Outcome switch
        {
            StartOutcome.Created => TypedResults.Created($"/api/sessions/{result.SessionId}", new CreateSessionResponse(result.SessionId!)),
            StartOutcome.Existing => TypedResults.Ok(new CreateSessionResponse(result.SessionId!)),
            StartOutcome.QuotaExceeded => Problems.Limit(
                RunnerLimits.SessionsPerUser,
                options.Value.MaxSessionsPerUser,
                $"You have {options.Value.MaxSessionsPerUser} sessions running or waiting (Runner:MaxSessionsPerUser); end one first."),
            _ => Problems.Limit(
                RunnerLimits.RunnerCapacity,
                options.Value.MaxConcurrentSessions,
                "This runner runs as many sessions as Runner:MaxConcurrentSessions allows; try again later."),
        };
    }

    private static async Task<Results<Accepted<CancelSessionResponse>, ProblemHttpResult>> CancelAsync(
        string sessionId,
        Caller caller,
        SessionManager sessions)
    {
        if (Problems.RequireText("sessionId", sessionId, MaxIdLength) is { } badId)
        {
            return badId;
        }

        var result = await sessions.CancelAsync(sessionId, caller.UserId);
        return result.Outcome switch
        {
            CancelOutcome.NotFound => Problems.NotFound($"No session '{sessionId}'."),
            CancelOutcome.Forbidden => Problems.Forbidden("Only the session's owner may cancel it."),
            _ => TypedResults.Accepted((string?)null, new CancelSessionResponse(sessionId, result.Status!)),
        };
    }

    private static async Task<Ok<SessionListResponse>> ListAsync(Caller caller, SessionStore store, TimeProvider timeProvider)
    {
        var since = (timeProvider.GetUtcNow() - ListWindow).ToUnixTimeMilliseconds();
        var records = await store.ListAsync(caller.UserId, since, ListMax);
        return TypedResults.Ok(new SessionListResponse(records.Select(r => new SessionSummary(r.SessionId, r.Task, r.Status, r.StartedAt, r.EndedAt, r.Result, r.Reason)).ToList()));
    }
}
