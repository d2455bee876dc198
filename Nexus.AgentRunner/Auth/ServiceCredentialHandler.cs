using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Identity;

namespace Nexus.AgentRunner.Auth;

/// <summary>
/// The gateway's credential (docs/protocol.md section 5.1): <c>Authorization: Nexus-Service &lt;Auth:ServiceKey&gt;</c>
/// with the user it authenticated in <c>X-Nexus-User</c> (percent-encoded) and <c>X-Nexus-Approver</c>. The user
/// headers mean nothing without the right key; a wrong key, or a right key without a user, fails (401).
/// </summary>
internal sealed class ServiceCredentialHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<RunnerAuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "NexusService";

    // Hashing both sides first makes the comparison constant-time whatever the lengths.
    private readonly byte[]? _expected = auth.Value.ServiceKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var prefix = ServiceCredential.Scheme + " ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (_expected is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("service credentials are not accepted: Auth:ServiceKey is not configured"));
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong service credential"));
        }

        var users = Request.Headers[ServiceCredential.UserHeader];
        string? user;
        try
        {
            user = users.Count == 1 ? Uri.UnescapeDataString(users.ToString()) : null;
        }
        catch (UriFormatException)
        {
            user = null;
        }

        if (!NexusTokens.IsValidUserId(user))
        {
            return Task.FromResult(AuthenticateResult.Fail($"a service call must name one user in {ServiceCredential.UserHeader}"));
        }

        var approver = NexusTokens.IsApproverValue(Request.Headers[ServiceCredential.ApproverHeader].ToString());
        var identity = new ClaimsIdentity(
            [new Claim(NexusTokens.SubjectClaim, user!), new Claim(NexusTokens.ApproverClaim, approver ? "true" : "false")],
            SchemeName,
            NexusTokens.SubjectClaim,
            null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
