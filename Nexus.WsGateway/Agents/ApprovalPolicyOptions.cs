namespace Nexus.WsGateway.Agents;

/// <summary>
/// The one <c>Auth</c> key the approval methods need (PROTOCOL.md section 5). The connection side binds
/// <c>Auth</c> to its own options too; each reads only its keys.
/// </summary>
internal sealed class ApprovalPolicyOptions
{
    public const string Section = "Auth";

    /// <summary>When true only approvers (claim <c>nexus:approver</c>) may list and decide approvals.</summary>
    public bool RestrictApprovals { get; set; }
}
