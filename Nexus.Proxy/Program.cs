using Nexus.Proxy.FrontDoor;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddFrontDoor();

var app = builder.Build();
app.MapDefaultEndpoints();
// The operator console (wwwroot, issue 7) at "/"; /ws and /api/* stay proxied by the front door's routes.
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapFrontDoor();
app.Run();
