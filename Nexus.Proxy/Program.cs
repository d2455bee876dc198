using Nexus.Proxy.FrontDoor;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddFrontDoor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFrontDoor();
app.Run();
