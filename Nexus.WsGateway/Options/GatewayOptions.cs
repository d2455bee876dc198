namespace Nexus.WsGateway.Options;

/// <summary>Configuration section <c>Gateway</c>: the socket and fan-out limits of docs/protocol.md section 3.</summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// Names this replica in the <c>X-Nexus-Gateway</c> header of the 101 upgrade response (issue 6), so a client
    /// or a test can tell which replica serves it. Empty: machine name and process id.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>Largest Redis notification payload that is forwarded (section 1).</summary>
    public int MaxPayloadBytes { get; set; } = 65_536;

    /// <summary>Largest client message, fragments put together; above it the socket is closed with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 65_536;

    /// <summary>
    /// Bytes that may wait to be sent to one client before it is disconnected as slow (1013). Also the largest single
    /// message sent to a client (section 3): a larger reply is replaced by -32603, a larger notification is not forwarded.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 1024 * 1024;

    /// <summary>Most requests in one batch (section 3); a larger batch is answered with one -32600 and none of it runs.</summary>
    public int MaxBatchSize { get; set; } = 50;

    /// <summary>Most names a client's filter holds, include and exclude together (section 3); a change past it gets -32602.</summary>
    public int MaxFilterNames { get; set; } = 256;

    /// <summary>WebSocket ping interval; must stay below the proxy's 100 s idle timeout.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a ping may go unanswered before the socket is aborted. Setting it makes the server send real
    /// Ping frames (section 3) instead of unsolicited Pongs; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a close handshake the server started may take before the socket is aborted.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long shutdown waits for sockets to close with 1001 before aborting them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sustained requests per second per connection; bursts of twice as many are allowed.</summary>
    public double MaxRequestsPerSecond { get; set; } = 100;

    /// <summary>Browser origins allowed to connect (exact, case-insensitive). Empty: no origin check.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// Accept a WebSocket upgrade that opens a connection below Kestrel's HTTP layer (<c>DirectUpgradeMiddleware</c>):
    /// less memory per socket and batched writes. False: every upgrade goes through the ASP.NET Core endpoint.
    /// </summary>
    public bool DirectUpgrade { get; set; } = true;

    /// <summary>
    /// How long the direct upgrade path waits for a new connection's first request head before it closes the connection
    /// (issue 11): a silent or trickling client holds no connection longer than this, and shutdown does not wait for it.
    /// Kestrel's own limits (30 s for request headers, 130 s before the first byte) are for connections it reads itself.
    /// </summary>
    public TimeSpan UpgradeHeadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: a flush sends on the flushing thread
    /// instead of waking Kestrel's send loop, and a read continues on the socket's I/O thread. On by default: the
    /// fan-out's flushes then cost a <c>send</c> each and no thread hand-off (issue 5 measured 1.7 instead of 3.0 µs
    /// of CPU per delivery at saturation). "Unsafe" means that code blocking an I/O thread would stall other sockets;
    /// nothing in the gateway blocks (every wait is asynchronous), and it can be turned off here.
    /// </summary>
    public bool InlineSocketScheduling { get; set; } = true;

    /// <summary>
    /// How long a new connection holds the notifications it is sent until its first message has been handled
    /// (docs/protocol.md section 4.2): a client that resumes as its first message then gets its replay before anything
    /// live, in id order. A client that sends nothing gets them when this ends (default 500 ms; 0 turns it off).
    /// </summary>
    public TimeSpan InitialHold { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The initial hold of a connection whose upgrade declared <c>resume=1</c> (docs/protocol.md section 3): it will send
    /// <c>notify.resume</c> first, so its notifications wait for that message up to this long, not <see cref="InitialHold"/>
    /// (default 10 s). A reconnect storm delays first messages well past half a second; this keeps the replay first.
    /// </summary>
    public TimeSpan ResumeHold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Durable notifications kept in memory for resumes, at most (default 10,000); older ones are read from Redis.</summary>
    public int HistoryCacheEntries { get; set; } = 10_000;

    /// <summary>Bytes of frames kept in memory for resumes, at most (default 16 MiB).</summary>
    public long HistoryCacheBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Connections one user may hold on this replica; more are refused with 429.</summary>
    public int MaxConnectionsPerUser { get; set; } = 100;
}
