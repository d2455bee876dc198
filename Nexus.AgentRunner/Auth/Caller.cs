using System.Security.Claims;
using Nexus.Contracts.Identity;

namespace Nexus.AgentRunner.Auth;

/// <summary>
/// The authenticated user of an API call (docs/protocol.md section 5.1), from a user token or from the gateway's
/// service credential. Every rule of the API is decided on this, never on a name in the body or the query.
/// </summary>
internal sealed record Caller(string UserId, bool IsApprover)
{
    /// <summary>Minimal API binding: the endpoints require an authenticated user, whose <c>sub</c> both schemes guarantee.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult(From(context.User));

    public static Caller? From(ClaimsPrincipal user)
    {
        var subject = user.FindFirst(NexusTokens.SubjectClaim)?.Value;
        if (user.Identity?.IsAuthenticated != true || !NexusTokens.IsValidUserId(subject))
        {
            return null;
        }

        return new Caller(subject!, user.FindAll(NexusTokens.ApproverClaim).Any(c => NexusTokens.IsApproverValue(c.Value)));
    }
}
