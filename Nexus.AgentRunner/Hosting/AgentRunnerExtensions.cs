using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Api;
using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Auth;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Instances;
using Nexus.AgentRunner.Sessions;
using Nexus.AgentRunner.Telemetry;
using Nexus.Contracts.Events;
using Nexus.Contracts.Publishing;
using Nexus.Contracts.Runner;

namespace Nexus.AgentRunner.Hosting;

/// <summary>The runner's registrations and routes, so Program.cs stays a table of contents.</summary>
internal static class AgentRunnerExtensions
{
    public static WebApplicationBuilder AddAgentRunner(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RunnerOptions>().BindConfiguration(RunnerOptions.SectionName).ValidateOnStart();
        services.AddOptions<ApprovalOptions>().BindConfiguration(ApprovalOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunnerOptions>, RunnerOptionsValidator>();
        services.AddSingleton<IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>();
        services.AddOptions<GaugeOptions>().BindConfiguration(GaugeOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GaugeOptions>, GaugeOptionsValidator>();

        services.AddRunnerAuthentication();

        services.TryAddSingleton(TimeProvider.System);
        services.AddNotificationPublisher();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, NexusJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, RunnerJsonContext.Default);
        });
        services.AddOpenApi();

        services.AddSingleton(sp => BrainFactory.Create(sp.GetRequiredService<IOptions<RunnerOptions>>()));
        services.AddSingleton<RunnerInstance>();
        services.AddSingleton<SessionEvents>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionLeases>();
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<ToolJournal>();
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<ApprovalResolver>();
        services.AddSingleton<ApprovalGate>();
        services.AddSingleton<AgentLoop>();
        services.AddSingleton<SessionFinisher>();
        services.AddSingleton<SessionRunner>();
        services.AddSingleton<PickupBell>();
        services.AddSingleton<SessionManager>();
        services.AddSingleton<SessionPickup>();
        services.AddSingleton<ApprovalExpirySweeper>();

        // Started in order, stopped in reverse: the sandbox is checked before any session can run; on stop, pickups end
        // first, then sessions drain (end or park, issue 13 item 9) while the heartbeat still renews their leases.
        services.AddSingleton<SandboxRoot>();
        services.AddHostedService(sp => sp.GetRequiredService<SandboxRoot>());
        services.AddHostedService<RunnerHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<ApprovalExpirySweeper>());
        services.AddHostedService(sp => sp.GetRequiredService<SessionManager>());
        services.AddHostedService<RunnerGauges>();
        services.AddHostedService<WakeListener>();
        return builder;
    }

    public static WebApplication MapAgentRunnerApi(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();

        // Under /api as well, so the document is reachable through the front door (which forwards only /api/*).
        // Open without a token in Development only (docs/protocol.md section 5.1).
        var documents = new[] { app.MapOpenApi(), app.MapOpenApi("/api/openapi/{documentName}.json") };
        foreach (var document in documents)
        {
            if (app.Environment.IsDevelopment())
            {
                document.AllowAnonymous();
            }
            else
            {
                document.RequireAuthorization();
            }
        }

        // Every route needs a user token or the gateway's service credential: 401 otherwise, before any handler runs.
        var api = app.MapGroup("/api").RequireAuthorization().ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapSessionEndpoints();
        api.MapApprovalEndpoints();
        return app;
    }
}
