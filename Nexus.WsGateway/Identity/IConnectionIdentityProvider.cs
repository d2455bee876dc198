namespace Nexus.WsGateway.Identity;

/// <summary>
/// One way of learning who opens a socket (docs/protocol.md section 5). The upgrade endpoint asks every registered
/// provider in order: the first <see cref="IdentityResultKind.Authenticated"/> wins, any
/// <see cref="IdentityResultKind.Failed"/> refuses the upgrade with 401, and when all answer
/// <see cref="IdentityResultKind.None"/> the request is refused with 401 too. Registered in this order:
/// <see cref="JwtIdentityProvider"/>, then <see cref="DevUserIdentityProvider"/>.
/// </summary>
internal interface IConnectionIdentityProvider
{
    ValueTask<IdentityResult> AuthenticateAsync(HttpContext context);
}
