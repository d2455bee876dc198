using Nexus.AgentRunner.Hosting;

// The table of contents lives in RunnerApp.Create (shared with the in-process tests):
// AddServiceDefaults, AddRedisClient("redis"), AddAgentRunner; MapDefaultEndpoints, MapAgentRunnerApi (with /openapi/v1.json, also under /api/ for the front door).
var app = RunnerApp.Create(args);
app.Run();
