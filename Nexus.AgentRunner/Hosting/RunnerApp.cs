namespace Nexus.AgentRunner.Hosting;

/// <summary>Builds the runner application; tests use it to run the app in-process on real Kestrel.</summary>
internal static class RunnerApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.AddRedisClient("redis");
        builder.AddAgentRunner();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAgentRunnerApi();
        return app;
    }
}
