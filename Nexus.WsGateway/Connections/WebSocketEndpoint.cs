using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.Hosting;
using Nexus.WsGateway.Identity;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// <c>GET /ws</c>. Checks in the order of docs/protocol.md section 5 before any socket is opened: shutting down (503),
/// Origin (403), identity (401), then that it is a WebSocket upgrade at all (400) and the per-user limit (429).
/// A token-bearing connection is closed with 1008 when its token expires (<see cref="TokenExpiry"/>).
/// The identity checks come before the upgrade check so that any client, upgrade or not, learns why it is refused.
/// </summary>
internal sealed partial class WebSocketEndpoint(
    GatewayState state,
    OriginPolicy origins,
    IEnumerable<IConnectionIdentityProvider> identityProviders,
    ConnectionRegistry registry,
    UserConnectionLimiter userLimits,
    ConnectionServices services,
    IOptions<GatewayOptions> options,
    ILogger<WebSocketEndpoint> logger)
{
    private readonly IConnectionIdentityProvider[] _identityProviders = [.. identityProviders];

    /// <summary>Response header of the 101 upgrade naming the replica that accepted the socket (issue 6).</summary>
    public const string InstanceHeader = "X-Nexus-Gateway";

    private readonly GatewayOptions _options = options.Value;
    private readonly string _instanceId = string.IsNullOrWhiteSpace(options.Value.InstanceId)
        ? $"{Environment.MachineName}-{Environment.ProcessId}"
        : options.Value.InstanceId;

    /// <summary>The replica's name in <see cref="InstanceHeader"/>.</summary>
    public string InstanceId => _instanceId;

    public async Task HandleAsync(HttpContext context)
    {
        var admission = await AdmitAsync(context);
        if (admission.Refusal is { } refusal)
        {
            await RefuseAsync(context, admission, refusal);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "/ws expects a WebSocket upgrade request");
            return;
        }

        var userId = admission.Identity.UserId!;
        if (!userLimits.TryReserve(userId, _options.MaxConnectionsPerUser))
        {
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, $"user already holds {_options.MaxConnectionsPerUser} connections (Gateway:MaxConnectionsPerUser)");
            return;
        }

        try
        {
            context.Response.Headers[InstanceHeader] = _instanceId;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = _options.KeepAliveInterval,
                KeepAliveTimeout = _options.KeepAliveTimeout,
                DangerousEnableCompression = false,
            });
            await RunAsync(socket, transport: null, context.Connection.Id, admission.Identity, DeclaresResume(context.Request.Query), context.RequestAborted);
        }
        finally
        {
            userLimits.Release(userId);
        }
    }

    /// <summary>
    /// The checks of docs/protocol.md section 5 that come before the upgrade check, in order: shutting down (503),
    /// Origin (403), identity (401). No side effect (no log, no metric), so <see cref="DirectUpgradeMiddleware"/> can
    /// ask first and leave a refusal to this endpoint.
    /// </summary>
    public async ValueTask<Admission> AdmitAsync(HttpContext context)
    {
        if (!state.IsAccepting)
        {
            return Admission.Refused(StatusCodes.Status503ServiceUnavailable, "the gateway is shutting down");
        }

        if (!origins.IsAllowed(context.Request))
        {
            return Admission.Refused(StatusCodes.Status403Forbidden, $"origin '{context.Request.Headers.Origin}' is not allowed (Gateway:AllowedOrigins)");
        }

        var identity = await AuthenticateAsync(context);
        return identity.Kind == IdentityResultKind.Authenticated
            ? new Admission(identity, null, null)
            : Admission.Refused(StatusCodes.Status401Unauthorized, identity.FailureReason ?? "no identity: send a token (or ?user= in development)", identity);
    }

    /// <summary>
    /// Whether the upgrade declared <c>resume=1</c> (docs/protocol.md section 3): the client's first message will be
    /// <c>notify.resume</c>. Any other value, or none, declares nothing.
    /// </summary>
    public static bool DeclaresResume(IQueryCollection query) => query["resume"] is ["1"];

    /// <summary>Reserves one of the user's connections (<c>Gateway:MaxConnectionsPerUser</c>); release with <see cref="ReleaseUser"/>.</summary>
    public bool TryReserveUser(string userId) => userLimits.TryReserve(userId, _options.MaxConnectionsPerUser);

    public void ReleaseUser(string userId) => userLimits.Release(userId);

    /// <summary>
    /// Runs an accepted socket until it ends: registered for the fan-out, closed with 1008 when its token expires.
    /// Shared by the endpoint and <see cref="DirectUpgradeMiddleware"/>.
    /// </summary>
    public async Task RunAsync(WebSocket socket, BatchingTransport? transport, string connectionId, IdentityResult identity, bool resumeDeclared, CancellationToken aborted)
    {
        var userId = identity.UserId!;
        var client = new ClientContext(connectionId, userId, identity.IsApprover);
        var connection = new GatewayConnection(socket, client, services, transport, resumeDeclared);
        // Armed before the connection is registered, so whoever sees it registered knows its expiry is watched.
        using var expiry = TokenExpiry.Watch(connection, identity.ExpiresAt, services.Time, _options.CloseTimeout, logger);
        registry.Add(connection);
        services.Metrics.ConnectionOpened();
        Log.ConnectionOpened(logger, client.ConnectionId, userId, identity.IsApprover);
        try
        {
            await connection.RunAsync(aborted);
        }
        finally
        {
            registry.Remove(connection);
            services.Metrics.ConnectionClosed();
            Log.ConnectionClosed(logger, client.ConnectionId, userId, socket.CloseStatus);
        }
    }

    private async ValueTask<IdentityResult> AuthenticateAsync(HttpContext context)
    {
        foreach (var provider in _identityProviders)
        {
            var result = await provider.AuthenticateAsync(context);
            if (result.Kind != IdentityResultKind.None)
            {
                return result;
            }
        }

        return IdentityResult.None;
    }

    private Task RefuseAsync(HttpContext context, Admission admission, int status)
    {
        if (status == StatusCodes.Status403Forbidden)
        {
            services.Metrics.OriginRefused();
        }
        else if (status == StatusCodes.Status401Unauthorized)
        {
            services.Metrics.AuthenticationFailed(admission.Identity.FailureKind ?? "missing");
        }

        return RefuseAsync(context, status, admission.Reason!);
    }

    private Task RefuseAsync(HttpContext context, int status, string reason)
    {
        Log.ConnectionRefused(logger, status, reason);
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(reason, context.RequestAborted);
    }

    /// <summary>What <see cref="AdmitAsync"/> decided: an identity, or the HTTP status and reason of a refusal.</summary>
    internal readonly record struct Admission(IdentityResult Identity, int? Refusal, string? Reason)
    {
        public static Admission Refused(int status, string reason, IdentityResult identity = default) => new(identity, status, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectionOpened, LogLevel.Information, "Connection {ConnectionId} opened for user {UserId} (approver: {IsApprover}).")]
        public static partial void ConnectionOpened(ILogger logger, string connectionId, string userId, bool isApprover);

        [LoggerMessage(EventIds.ConnectionClosed, LogLevel.Information, "Connection {ConnectionId} of user {UserId} closed (status {CloseStatus}).")]
        public static partial void ConnectionClosed(ILogger logger, string connectionId, string userId, System.Net.WebSockets.WebSocketCloseStatus? closeStatus);

        [LoggerMessage(EventIds.ConnectionRefused, LogLevel.Information, "WebSocket upgrade refused with {StatusCode}: {Reason}.")]
        public static partial void ConnectionRefused(ILogger logger, int statusCode, string reason);
    }
}
