using Microsoft.Extensions.Hosting;

namespace Nexus.AppHost.Hosting;

internal static class ProductionSettingsExtensions
{
    /// <summary>
    /// The browser origin allowed to open sockets (<c>Gateway:AllowedOrigins</c>, docs/protocol.md section 5) when
    /// published: a required deployment parameter, so a deployment never runs with the origin check off.
    /// Development keeps the gateway's default (no check).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublishedAllowedOrigin(
        this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ParameterResource>? allowedOrigin)
        => allowedOrigin is null ? gateway : gateway.WithEnvironment("Gateway__AllowedOrigins__0", allowedOrigin);

    /// <summary>
    /// A published deployment, or any run outside Development, restricts approvals to approvers and forbids
    /// self-approval (docs/protocol.md section 5) unless its parameters say otherwise: <c>approvals-restricted</c>
    /// (default <c>true</c>) and <c>approvals-allow-self</c> (default <c>false</c>). Null in Development, where the
    /// services' own defaults (everyone may approve, their own requests included) keep the two-tab tour simple.
    /// </summary>
    public static ApprovalPolicyParameters? AddProductionApprovalPolicy(this IDistributedApplicationBuilder builder)
        => builder.ExecutionContext.IsPublishMode || !builder.Environment.IsDevelopment()
            ? new(builder.AddParameter("approvals-restricted", "true", publishValueAsDefault: true),
                builder.AddParameter("approvals-allow-self", "false", publishValueAsDefault: true))
            : null;

    /// <summary><c>Auth:RestrictApprovals</c> and <c>Approvals:AllowSelfApproval</c> from the published parameters.</summary>
    public static IResourceBuilder<ProjectResource> WithApprovalPolicy(this IResourceBuilder<ProjectResource> service, ApprovalPolicyParameters? policy)
        => policy is null
            ? service
            : service.WithEnvironment("Auth__RestrictApprovals", policy.Restricted).WithEnvironment("Approvals__AllowSelfApproval", policy.AllowSelf);

    /// <summary>The <c>gateway-allowed-origin</c> parameter, in publish mode only.</summary>
    public static IResourceBuilder<ParameterResource>? AddPublishedAllowedOrigin(this IDistributedApplicationBuilder builder)
        => builder.ExecutionContext.IsPublishMode ? builder.AddParameter("gateway-allowed-origin") : null;

    /// <summary>
    /// <c>Runner:Model:Endpoint</c>, <c>:Name</c> and <c>:ApiKey</c> (Nexus.AgentRunner/TASKS.md) from the optional
    /// parameters <c>model-endpoint</c>, <c>model-name</c> and <c>model-api-key</c> (a secret). Each is passed only
    /// when configured (<c>Parameters:model-endpoint</c> ...), so the built-in planner stays the default and no run
    /// stops to ask for a value nobody needs.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithOptionalModelParameters(this IResourceBuilder<ProjectResource> runner)
    {
        runner.WithOptionalParameter("model-endpoint", "Runner__Model__Endpoint", secret: false);
        runner.WithOptionalParameter("model-name", "Runner__Model__Name", secret: false);
        runner.WithOptionalParameter("model-api-key", "Runner__Model__ApiKey", secret: true);
        return runner;
    }

    private static void WithOptionalParameter(this IResourceBuilder<ProjectResource> resource, string name, string variable, bool secret)
    {
        var builder = resource.ApplicationBuilder;
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{name}"]))
        {
            return;
        }

        resource.WithEnvironment(variable, builder.AddParameter(name, secret: secret));
    }
}
