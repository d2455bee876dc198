using Microsoft.Extensions.Options;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// Development identity of docs/protocol.md section 5: <c>?user=&lt;name&gt;</c> (and <c>&amp;approver=true</c>),
/// honoured only when <c>Auth:AllowDevUsers</c> is true. Otherwise a <c>?user=</c> is refused, not ignored,
/// so a misconfigured client learns why. Asked after <see cref="JwtIdentityProvider"/>: a presented token decides,
/// and <c>?user=</c> is only looked at when the request carries no token.
/// </summary>
internal sealed class DevUserIdentityProvider(IOptions<AuthOptions> options) : IConnectionIdentityProvider
{
    private const int MaxUserIdLength = 128;

    public ValueTask<IdentityResult> AuthenticateAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("user", out var users))
        {
            return ValueTask.FromResult(IdentityResult.None);
        }

        if (!options.Value.AllowDevUsers)
        {
            return ValueTask.FromResult(IdentityResult.Failed("development users (?user=) are disabled (Auth:AllowDevUsers is false)", "dev_users_disabled"));
        }

        var user = users.ToString();
        if (users.Count != 1 || string.IsNullOrWhiteSpace(user) || user.Length > MaxUserIdLength)
        {
            return ValueTask.FromResult(IdentityResult.Failed($"?user= must name exactly one user of 1 to {MaxUserIdLength} characters", "invalid_dev_user"));
        }

        var approver = string.Equals(query["approver"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        return ValueTask.FromResult(IdentityResult.Authenticated(user, approver));
    }
}
