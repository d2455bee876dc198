namespace Nexus.AppHost.Hosting;

/// <summary>The published approval policy: who may decide (<c>approvals-restricted</c>) and whether owners may decide their own.</summary>
internal sealed record ApprovalPolicyParameters(IResourceBuilder<ParameterResource> Restricted, IResourceBuilder<ParameterResource> AllowSelf);
