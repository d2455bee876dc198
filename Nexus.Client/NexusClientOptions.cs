using System.Net.WebSockets;

namespace Nexus.Client;

/// <summary>How a <see cref="NexusClient"/> connects and reconnects. Only <see cref="Url"/> is required.</summary>
public sealed class NexusClientOptions
{
    /// <summary>The socket endpoint, e.g. <c>ws://localhost:5080/ws</c> (the front door) or <c>wss://nexus.example.com/ws</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Returns the access token (a JWT, docs/protocol.md section 5) sent as <c>Authorization: Bearer</c>. Called before every
    /// connection, the reconnects included, so a short-lived token is replaced in time; null or empty sends none.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// A development identity (<c>?user=</c>): works only where the gateway allows dev users (<c>Auth:AllowDevUsers</c>,
    /// Development only). A token from <see cref="AccessTokenProvider"/> takes precedence on the gateway.
    /// </summary>
    public string? DevUser { get; set; }

    /// <summary>With <see cref="DevUser"/>: the dev user may decide approvals when approvals are restricted (<c>&amp;approver=true</c>).</summary>
    public bool DevApprover { get; set; }

    /// <summary>How long a call may take, waiting for a connection included, before it fails with <see cref="TimeoutException"/>. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long opening a socket (and its resume) may take before the attempt counts as failed. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect automatically when the connection is lost. Default true.</summary>
    public bool Reconnect { get; set; } = true;

    /// <summary>
    /// The first reconnect delay's ceiling; each failed attempt doubles it up to <see cref="MaxReconnectDelay"/>. The
    /// delay is half the ceiling plus a random part of the other half ("equal jitter"), so clients dropped together do
    /// not return together, and no retry is immediate. Default 500 ms.
    /// </summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The largest reconnect delay. Default 15 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Reconnect attempts in a row before the client gives up (and <see cref="NexusClient.Closed"/> fires); null: never give up (the default).</summary>
    public int? MaxReconnectAttempts { get; set; }

    /// <summary>
    /// Notifications received and not yet read from <see cref="NexusClient.ReadNotificationsAsync"/>. When full, the
    /// client stops reading the socket until there is room; a gateway that then has too much queued closes the
    /// connection (1013), and the client reconnects and resumes, losing nothing. Default 10,000.
    /// </summary>
    public int NotificationBufferCapacity { get; set; } = 10_000;

    /// <summary>How often the client pings the gateway; with <see cref="KeepAliveTimeout"/>, how a silently dead connection is noticed. Default 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may wait for its pong before the connection counts as lost. Default 15 s.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Last word on each socket's options (a proxy, client certificates, extra headers).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    internal void Validate()
    {
        if (Url is null)
        {
            throw new ArgumentException($"{nameof(NexusClientOptions)}.{nameof(Url)} is required (e.g. ws://localhost:5080/ws).", nameof(Url));
        }

        if (!Url.IsAbsoluteUri || Url.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException($"{nameof(NexusClientOptions)}.{nameof(Url)} must be an absolute ws:// or wss:// address, not '{Url}'.", nameof(Url));
        }

        if (CallTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero || ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay)
        {
            throw new ArgumentException("Timeouts and delays must be positive, and MaxReconnectDelay at least ReconnectDelay.");
        }

        if (NotificationBufferCapacity < 1)
        {
            throw new ArgumentException($"{nameof(NotificationBufferCapacity)} must be at least 1.", nameof(NotificationBufferCapacity));
        }
    }
}
