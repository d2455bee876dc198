// The Nexus topology (issue 2). Ports, replica counts and the Redis mode come from the "Nexus" section of
// appsettings.json; README.md explains each.
using Nexus.AppHost.Hosting;
using Nexus.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);
var options = NexusHostOptions.Read(builder.Configuration);

var redisChoice = await RedisChoice.ChooseAsync(builder, options.Redis);
var redis = builder.AddNexusRedis("redis", redisChoice, options.Redis);

// The key that signs user tokens (PROTOCOL.md section 5); generated unless configured as Parameters:auth-signing-key.
var signingKey = builder.AddParameter(
    "auth-signing-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true);

var agentrunner = builder.AddNexusService<Projects.Nexus_AgentRunner>("agentrunner")
    .WithReference(redis).WaitFor(redis)
    .WithReplicas(options.Runner.Replicas);

var wsgateway = builder.AddNexusService<Projects.Nexus_WsGateway>("wsgateway")
    .WithReference(redis).WaitFor(redis)
    .WithReference(agentrunner)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithDevelopmentIdentities()
    .WithReplicas(options.Gateway.Replicas);

builder.AddNexusService<Projects.Nexus_Proxy>("proxy", options.Proxy.Port)
    .WithReference(wsgateway).WaitFor(wsgateway)
    .WithReference(agentrunner).WaitFor(agentrunner)
    .WithExternalHttpEndpoints();

await builder.Build().RunAsync();
