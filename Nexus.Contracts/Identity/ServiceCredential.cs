namespace Nexus.Contracts.Identity;

/// <summary>
/// How the gateway calls the runner on a user's behalf (docs/protocol.md section 5.1): the shared secret
/// <c>Auth:ServiceKey</c> in <c>Authorization: Nexus-Service &lt;key&gt;</c>, and the user it has authenticated in
/// <see cref="UserHeader"/> and <see cref="ApproverHeader"/>. The runner reads those two headers only when the key
/// is right, so nobody without the key can speak for a user.
/// </summary>
public static class ServiceCredential
{
    /// <summary>The authentication scheme word of the <c>Authorization</c> header.</summary>
    public const string Scheme = "Nexus-Service";

    /// <summary>The user id, percent-encoded (<see cref="Uri.EscapeDataString(string)"/>) so any <c>sub</c> fits in a header.</summary>
    public const string UserHeader = "X-Nexus-User";

    /// <summary><c>true</c> when the user may decide approvals.</summary>
    public const string ApproverHeader = "X-Nexus-Approver";

    /// <summary>Service keys shorter than this many UTF-8 bytes are refused at start-up.</summary>
    public const int MinimumKeyBytes = 32;
}
