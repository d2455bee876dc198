using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
/// <para>It takes only what it fully understands and would accept: a strict HTTP/1.1 upgrade head
/// (<see cref="UpgradeRequestHead"/>) within Kestrel's header limits, whose Host passes the host filtering
/// (<see cref="DirectHostFilter"/>), that passes <see cref="WebSocketEndpoint.AdmitAsync"/> and the per-user limit.
/// Anything else (another request, a later request on a kept-alive connection, TLS, HTTP/2, any refusal) is left
/// untouched to Kestrel and the <c>/ws</c> endpoint, which answer exactly as before, errors included. Nothing is
/// consumed until the request is accepted.</para>
/// <para>The one thing it does not leave to Kestrel is a head that does not arrive: a connection that has not sent a
/// complete head within <c>Gateway:UpgradeHeadTimeout</c>, or by the time the server shuts down, is closed (issue 11).
/// Handed on, it would get Kestrel's timeouts afresh (130 s before a first byte, then 30 s for the headers), and
/// shutdown would wait for it.</para>
/// </remarks>
internal sealed partial class DirectUpgradeMiddleware(
    WebSocketEndpoint endpoint,
    DirectHostFilter hostFilter,
    GatewayMetrics metrics,
    TimeProvider time,
    IOptions<GatewayOptions> options,
    IOptions<KestrelServerOptions> kestrel,
    ILogger<DirectUpgradeMiddleware> logger)
{
    private static readonly byte[] s_requestLinePrefix = Encoding.ASCII.GetBytes("GET " + GatewayExtensions.WebSocketPath);

    private readonly GatewayOptions _options = options.Value;
    private readonly UpgradeHeadLimits _limits = UpgradeHeadLimits.From(kestrel.Value.Limits);

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var (outcome, head) = await ReadHeadAsync(connection);
        if (outcome is HeadOutcome.TimedOut or HeadOutcome.ShuttingDown)
        {
            // Returning without handing the connection on closes it.
            var reason = outcome == HeadOutcome.TimedOut ? "timeout" : "shutdown";
            metrics.UpgradeHeadAbandoned(reason);
            Log.HeadNotReceived(logger, connection.ConnectionId, reason, _options.UpgradeHeadTimeout);
            return;
        }

        if (head is null)
        {
            await next(connection);
            return;
        }

        var request = ToHttpContext(connection, head);
        if (!await hostFilter.AllowsAsync(request))
        {
            // The pipeline's host filtering answers it (400), as it would have without the direct path.
            await next(connection);
            return;
        }

        var admission = await endpoint.AdmitAsync(request);
        var userId = admission.Identity.UserId;
        if (admission.Refusal is not null || userId is null || !endpoint.TryReserveUser(userId))
        {
            // The endpoint repeats the checks and answers the refusal with its status, log and metric.
            await next(connection);
            return;
        }

        // Only these two are needed from here on: the parsed head (headers and all) must not live as long as the socket.
        var (headLength, accept) = (head.Length, head.Accept);
        var resumeDeclared = WebSocketEndpoint.DeclaresResume(request.Request.Query);
        head = null;
        try
        {
            await RunAsync(connection, headLength, accept, admission.Identity, resumeDeclared);
        }
        finally
        {
            endpoint.ReleaseUser(userId);
        }
    }

    private async Task RunAsync(ConnectionContext connection, int headLength, string accept, Identity.IdentityResult identity, bool resumeDeclared)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        if (!input.TryRead(out var buffered) || buffered.Buffer.Length < headLength)
        {
            // The head was read before and nothing consumed it: it must still be there.
            throw new InvalidOperationException("The upgrade request head is no longer buffered.");
        }

        input.AdvanceTo(buffered.Buffer.GetPosition(headLength));
        // Counted before the 101 leaves, so that whoever reads the 101 also sees the count.
        metrics.DirectUpgradeAccepted();
        WriteSwitchingProtocols(output, accept, endpoint.InstanceId);
        await output.FlushAsync(connection.ConnectionClosed);

        var transport = new BatchingTransport(input, output);
        var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = _options.KeepAliveInterval,
            KeepAliveTimeout = _options.KeepAliveTimeout,
        });
        try
        {
            await endpoint.RunAsync(socket, transport, connection.ConnectionId, identity, resumeDeclared, connection.ConnectionClosed);
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
    /// Consumes nothing: every byte stays in the pipe for whoever handles the connection. Gives up after
    /// <c>Gateway:UpgradeHeadTimeout</c>, or as soon as the server asks its connections to close (shutdown).
    /// </summary>
    private async ValueTask<(HeadOutcome Outcome, UpgradeRequestHead? Head)> ReadHeadAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // Kestrel's graceful shutdown asks every connection to close through this token before it waits for them.
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        // A token rather than CancelPendingRead: a cancellation that lands after the last read must not leave a
        // cancelled read behind for Kestrel.
        using var timeout = new CancellationTokenSource(_options.UpgradeHeadTimeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, closing);
        long searched = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return (closing.IsCancellationRequested ? HeadOutcome.ShuttingDown : HeadOutcome.TimedOut, null);
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException)
            {
                // Gone: Kestrel applies its own errors to whatever is left.
                Log.HeadReadFailed(logger, connection.ConnectionId, ex.GetType().Name);
                return (HeadOutcome.NotDirect, null);
            }

            var buffer = result.Buffer;
            UpgradeRequestHead? head = null;
            var status = result.IsCanceled
                ? HeadStatus.NotDirect
                : UpgradeRequestHead.TryParse(buffer, s_requestLinePrefix, _limits, searched, out head);
            if (status == HeadStatus.NeedMoreData && !result.IsCompleted)
            {
                // Nothing consumed, everything examined: the next read waits for more bytes, and only those are searched.
                searched = buffer.Length;
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Nothing consumed or examined: the next reader (Kestrel, or RunAsync) gets these bytes at once.
            input.AdvanceTo(buffer.Start);
            return status == HeadStatus.Parsed ? (HeadOutcome.Parsed, head) : (HeadOutcome.NotDirect, null);
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

    private enum HeadOutcome
    {
        Parsed,

        /// <summary>Not for the direct path, or the client went away: Kestrel takes the connection.</summary>
        NotDirect,

        TimedOut,

        ShuttingDown,
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DirectUpgradeHeadFailed, LogLevel.Debug, "Connection {ConnectionId} failed before its first request was read ({Error}).")]
        public static partial void HeadReadFailed(ILogger logger, string connectionId, string error);

        [LoggerMessage(EventIds.DirectUpgradeHeadNotReceived, LogLevel.Debug, "Connection {ConnectionId} closed without a complete request head ({Reason}; Gateway:UpgradeHeadTimeout is {Timeout}).")]
        public static partial void HeadNotReceived(ILogger logger, string connectionId, string reason, TimeSpan timeout);
    }
}
