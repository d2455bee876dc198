namespace Nexus.Bench.BarePeer;

internal static class SocketEndpoint
{
    public static async Task HandleAsync(HttpContext context, SocketRegistry registry)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new SocketConnection(socket);
        registry.Add(connection);
        try
        {
            await connection.RunAsync(context.RequestAborted);
        }
        finally
        {
            registry.Remove(connection);
        }
    }
}
