using Nexus.Bench.BarePeer;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var redis = builder.Configuration.GetConnectionString("redis")
    ?? throw new InvalidOperationException("ConnectionStrings:redis is required (environment ConnectionStrings__redis).");
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
builder.Services.AddSingleton<SocketRegistry>();
builder.Services.AddHostedService<NotifySubscriber>();

var app = builder.Build();
app.UseWebSockets();
app.Map("/ws", SocketEndpoint.HandleAsync);
app.Run();
