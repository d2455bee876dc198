using Nexus.Proxy.Hosting;

// The table of contents is ProxyApp.Create: service defaults, the front door (YARP), the operator console.
ProxyApp.Create(args).Run();
