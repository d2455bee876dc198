using Nexus.WsGateway.Hosting;

// The table of contents is GatewayApp.Create: service defaults, the Redis client, AddWsGateway, then
// MapDefaultEndpoints and MapWsGateway. The work lives in the feature folders.
GatewayApp.Create(args).Run();
