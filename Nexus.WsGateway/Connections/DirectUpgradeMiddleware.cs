using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Hosting;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Kestrel connection middleware that accepts a WebSocket upgrade to <c>/ws</c> arriving as the first request of a
/// connection, below the HTTP layer: the socket then runs on the connection's own pipes, with no HTTP request,
/// <c>HttpContext</c> or request telemetry kept alive for hours per socket (issue 5: they were about 11 of the
/// 16 KB an idle connection cost), and its writes can be batched (<see cref="BatchingTransport"/>).
/// </summary>
/// <remarks>
/// It takes only what it fully understands and would accept: a strict HTTP/1.1 upgrade head
/// (<see cref="UpgradeRequestHead"/>) that passes <see cref="WebSocketEndpoint.AdmitAsync"/> and the per-user limit.
/// Anything else (another request, a later request on a kept-alive connection, TLS, HTTP/2, any refusal) is left
/// untouched to Kestrel and the <c>/ws</c> endpoint, which answer exactly as before, errors included. Nothing is
/// consumed until the request is accepted.
/// </remarks>
internal sealed partial class DirectUpgradeMiddleware(
    WebSocketEndpoint endpoint,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<DirectUpgradeMiddleware> logger)
{
    /// <summary>As Kestrel's default <c>RequestHeadersTimeout</c>; after it the connection is left to Kestrel.</summary>
    private static readonly TimeSpan s_headTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] s_requestLinePrefix = Encoding.ASCII.GetBytes("GET " + GatewayExtensions.WebSocketPath);

    private readonly GatewayOptions _options = options.Value;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var head = await ReadHeadAsync(connection);
        if (head is null)
        {
            await next(connection);
            return;
        }

        var admission = await endpoint.AdmitAsync(ToHttpContext(connection, head));
        var userId = admission.Identity.UserId;
        if (admission.Refusal is not null || userId is null || !endpoint.TryReserveUser(userId))
        {
            // The endpoint repeats the checks and answers the refusal with its status, log and metric.
            await next(connection);
            return;
        }

        // Only these two are needed from here on: the parsed head (headers and all) must not live as long as the socket.
        var (headLength, accept) = (head.Length, head.Accept);
        head = null;
        try
        {
            await RunAsync(connection, headLength, accept, admission.Identity);
        }
        finally
        {
            endpoint.ReleaseUser(userId);
        }
    }

    private async Task RunAsync(ConnectionContext connection, int headLength, string accept, Identity.IdentityResult identity)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        if (!input.TryRead(out var buffered) || buffered.Buffer.Length < headLength)
        {
            // The head was read before and nothing consumed it: it must still be there.
            throw new InvalidOperationException("The upgrade request head is no longer buffered.");
        }

        input.AdvanceTo(buffered.Buffer.GetPosition(headLength));
        WriteSwitchingProtocols(output, accept, endpoint.InstanceId);
        await output.FlushAsync(connection.ConnectionClosed);
        metrics.DirectUpgradeAccepted();

        var transport = new BatchingTransport(input, output);
        var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = _options.KeepAliveInterval,
            KeepAliveTimeout = _options.KeepAliveTimeout,
        });
        try
        {
            await endpoint.RunAsync(socket, transport, connection.ConnectionId, identity, connection.ConnectionClosed);
        }
        finally
        {
            var closedCleanly = socket.State == WebSocketState.Closed;
            socket.Dispose();
            await transport.CompleteAsync();
            if (!closedCleanly)
            {
                // Unsent bytes to a client that stopped reading must not keep Kestrel's send loop (and the
                // connection) alive: end it now, as the HTTP path does when a socket is aborted.
                connection.Abort(new ConnectionAbortedException("The WebSocket ended without a close handshake."));
            }
        }
    }

    /// <summary>
    /// Reads until the head is complete or it is clear that this is not a request the direct path takes.
    /// Consumes nothing: every byte stays in the pipe for whoever handles the connection.
    /// </summary>
    private async ValueTask<UpgradeRequestHead?> ReadHeadAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // A token rather than CancelPendingRead: a cancellation that lands after the last read must not leave a
        // cancelled read behind for Kestrel.
        using var timeout = new CancellationTokenSource(s_headTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException)
            {
                // Slow, silent or gone: Kestrel applies its own timeouts and errors to whatever is left.
                Log.HeadReadFailed(logger, connection.ConnectionId, ex.GetType().Name);
                return null;
            }

            var buffer = result.Buffer;
            UpgradeRequestHead? head = null;
            var status = result.IsCanceled
                ? HeadStatus.NotDirect
                : UpgradeRequestHead.TryParse(buffer, s_requestLinePrefix, out head);
            if (status == HeadStatus.NeedMoreData && !result.IsCompleted)
            {
                // Nothing consumed, everything examined: the next read waits for more bytes.
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Nothing consumed or examined: the next reader (Kestrel, or RunAsync) gets these bytes at once.
            input.AdvanceTo(buffer.Start);
            return status == HeadStatus.Parsed ? head : null;
        }
    }

    /// <summary>
    /// The request as the endpoint's checks read it: method, path, query and headers. Only for
    /// <see cref="WebSocketEndpoint.AdmitAsync"/>; nothing keeps it afterwards.
    /// </summary>
    private static DefaultHttpContext ToHttpContext(ConnectionContext connection, UpgradeRequestHead head)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Scheme = Uri.UriSchemeHttp;
        request.Protocol = "HTTP/1.1";
        request.Path = GatewayExtensions.WebSocketPath;
        request.QueryString = new QueryString(head.QueryString.Length == 0 ? null : head.QueryString);
        foreach (var (name, value) in head.Headers)
        {
            request.Headers[name] = value;
        }

        context.Connection.Id = connection.ConnectionId;
        if (connection.RemoteEndPoint is IPEndPoint remote)
        {
            context.Connection.RemoteIpAddress = remote.Address;
            context.Connection.RemotePort = remote.Port;
        }

        return context;
    }

    private static void WriteSwitchingProtocols(PipeWriter output, string accept, string instanceId)
    {
        var response = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "
            + accept + "\r\n" + WebSocketEndpoint.InstanceHeader + ": " + instanceId + "\r\n\r\n";
        var span = output.GetSpan(Encoding.ASCII.GetMaxByteCount(response.Length));
        output.Advance(Encoding.ASCII.GetBytes(response, span));
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DirectUpgradeHeadFailed, LogLevel.Debug, "Connection {ConnectionId} failed before its first request was read ({Error}).")]
        public static partial void HeadReadFailed(ILogger logger, string connectionId, string error);
    }
}
