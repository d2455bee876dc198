// The Nexus topology (issues 2 and 6). Ports, replica counts and the Redis mode come from the "Nexus" section of
// appsettings.json; README.md explains each, docs/scaling.md how replicas and deployment work.
using Nexus.AppHost.Hosting;
using Nexus.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);
var options = NexusHostOptions.Read(builder.Configuration);

var redisChoice = await RedisChoice.ChooseAsync(builder, options.Redis);
var redis = builder.AddNexusRedis("redis", redisChoice, options.Redis);

// The key that signs user tokens (docs/protocol.md section 5); generated unless configured as Parameters:auth-signing-key.
var signingKey = builder.AddParameter(
    "auth-signing-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true);
// The gateway's credential towards the runner (section 5.1); generated unless configured as Parameters:runner-service-key.
var serviceKey = builder.AddParameter(
    "runner-service-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true);
var allowedOrigin = builder.AddPublishedAllowedOrigin();
var approvalPolicy = builder.AddProductionApprovalPolicy();

var agentrunner = builder.AddNexusService<Projects.Nexus_AgentRunner>("agentrunner")
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithEnvironment("Auth__ServiceKey", serviceKey)
    .WithApprovalPolicy(approvalPolicy)
    .WithOptionalModelParameters()
    .WithReplicas(options.Runner.Replicas);

var wsgateways = builder.AddGatewayReplicas(options.Gateway.Replicas, wsgateway => wsgateway
    .WithReference(redis).WaitFor(redis)
    .WithReference(agentrunner)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithEnvironment("Auth__ServiceKey", serviceKey)
    .WithApprovalPolicy(approvalPolicy)
    .WithPublishedAllowedOrigin(allowedOrigin)
    .WithDevelopmentIdentities()
    .WithTestNotificationCommand(redis));

builder.AddNexusService<Projects.Nexus_Proxy>("proxy", options.Proxy.Port)
    .WithGateways(wsgateways)
    .WithReference(agentrunner).WaitFor(agentrunner)
    .WithExternalHttpEndpoints()
    .WithUrl("/", "Operator console");

await builder.Build().RunAsync();
