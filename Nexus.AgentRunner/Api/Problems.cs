using Microsoft.AspNetCore.Http.HttpResults;

namespace Nexus.AgentRunner.Api;

/// <summary>RFC 7807 problem details of the runner API; a 400 names the bad field in <c>param</c> (RunnerApi.cs).</summary>
internal static class Problems
{
    public static ProblemHttpResult BadParam(string param, string message)
        => TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Invalid request",
            detail: message,
            extensions: new Dictionary<string, object?> { ["param"] = param });

    public static ProblemHttpResult NotFound(string what) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: what);

    public static ProblemHttpResult Forbidden(string why) => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: why);

    /// <summary>
    /// 429 with <c>limit</c> and <c>max</c> (docs/protocol.md section 5.1): a deliberate refusal, not a failure, so the
    /// gateway neither retries it nor counts it against the runner in its circuit breaker.
    /// </summary>
    public static ProblemHttpResult Limit(string limit, int max, string detail)
        => TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Limit reached",
            detail: detail,
            extensions: new Dictionary<string, object?> { ["limit"] = limit, ["max"] = max });

    /// <summary>Null when <paramref name="value"/> is a non-blank string of at most <paramref name="max"/> characters.</summary>
    public static ProblemHttpResult? RequireText(string param, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return BadParam(param, $"'{param}' is required and must be a non-empty string.");
        }

        return value.Length > max ? BadParam(param, $"'{param}' is longer than {max} characters.") : null;
    }
}
