namespace Nexus.AgentRunner.Hosting;

/// <summary>Configuration section <c>Runner</c>.</summary>
internal sealed class RunnerOptions
{
    public const string SectionName = "Runner";

    /// <summary>Id of this runner instance; empty means a new random id per process (default).</summary>
    public string? InstanceId { get; set; }

    /// <summary>Sessions that may run at once on this instance; more are refused with 503 (default 16).</summary>
    public int MaxConcurrentSessions { get; set; } = 16;

    /// <summary>
    /// Sessions one user may have running or waiting for an approval at once, over every replica (docs/protocol.md
    /// section 5.1; default 8). More are refused with 429 (JSON-RPC -32004), so no user can take every slot.
    /// </summary>
    public int MaxSessionsPerUser { get; set; } = 8;

    /// <summary>Longest accepted task text in characters (default 4000).</summary>
    public int MaxTaskLength { get; set; } = 4000;

    /// <summary>
    /// Folder under which each session gets its own sandbox folder. It must belong to the service: it is created with
    /// mode 0700, start-up fails when it is a symbolic link or cannot be made private. Default: <c>nexus/sandbox</c> in
    /// the service user's local application data folder (not the shared, world-writable temp folder).
    /// </summary>
    public string SandboxRoot { get; set; } = DefaultSandboxRoot();

    /// <summary>Bytes one session may keep in its sandbox folder, all files together (default 1 MiB).</summary>
    public long SandboxMaxBytesPerSession { get; set; } = 1024 * 1024;

    /// <summary>Files one session may keep in its sandbox folder (default 100).</summary>
    public int SandboxMaxFilesPerSession { get; set; } = 100;

    /// <summary>How long session and approval records stay in Redis after their last change (default 7 days).</summary>
    public TimeSpan RecordRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often this instance renews its heartbeat and its sessions' leases, and looks for sessions waiting for a runner (default 5 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to live of the heartbeat key: an instance silent this long is dead (default 15 s).</summary>
    public TimeSpan HeartbeatTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a runner holds a session's lease without renewing it (default 15 s; renewed every heartbeat). A runner
    /// silent for longer (crashed, stalled) loses its sessions to another replica, and its writes and publishes for them
    /// are refused from then on (issue 13, fencing).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// On stop, how long running sessions may go on to finish or to reach an approval (default 10 s); those still running
    /// then are parked for another replica to continue. Keep it below the host's shutdown timeout (30 s by default).
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a denied or expired approval ends the session (<c>agent.completed</c> with reason <c>denied</c>) or is
    /// returned to the brain as the tool's result. Unset (default): true with the built-in planner, false with a model.
    /// </summary>
    public bool? DenialEndsSession { get; set; }

    /// <summary>An OpenAI-compatible model; when its endpoint is empty the built-in planner is the brain.</summary>
    public ModelOptions Model { get; set; } = new();

    private static string DefaultSandboxRoot()
    {
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(string.IsNullOrEmpty(data) ? AppContext.BaseDirectory : data, "nexus", "sandbox");
    }
}

/// <summary>Configuration section <c>Runner:Model</c>.</summary>
internal sealed class ModelOptions
{
    /// <summary>Base address of an OpenAI-compatible API (e.g. <c>http://127.0.0.1:8080/v1</c>); empty: use the planner.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model name sent with each request.</summary>
    public string? Name { get; set; }

    /// <summary>API key (a secret: never logged). Some local servers need none.</summary>
    public string? ApiKey { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);
}
