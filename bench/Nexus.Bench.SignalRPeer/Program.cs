using Nexus.Bench.SignalRPeer;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var redis = builder.Configuration.GetConnectionString("redis")
    ?? throw new InvalidOperationException("ConnectionStrings:redis is required (environment ConnectionStrings__redis).");

// The load generator speaks raw WebSockets and does not send SignalR pings; a long client
// timeout keeps idle benchmark connections open. Server pings stay at their default.
builder.Services.AddSignalR(options => options.ClientTimeoutInterval = TimeSpan.FromMinutes(10))
    .AddStackExchangeRedis(redis);
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
builder.Services.AddHostedService<NotifyForwarder>();

var app = builder.Build();
app.MapHub<NotifyHub>("/hub");
app.Run();
