namespace Nexus.AgentRunner.Hosting;

/// <summary>Configuration section <c>Runner</c>.</summary>
internal sealed class RunnerOptions
{
    public const string SectionName = "Runner";

    /// <summary>Id of this runner instance; empty means a new random id per process (default).</summary>
    public string? InstanceId { get; set; }

    /// <summary>Sessions that may run at once on this instance; more are refused with 503 (default 16).</summary>
    public int MaxConcurrentSessions { get; set; } = 16;

    /// <summary>Longest accepted task text in characters (default 4000).</summary>
    public int MaxTaskLength { get; set; } = 4000;

    /// <summary>Folder under which each session gets its own sandbox folder (default: the temp folder's nexus-sandbox).</summary>
    public string SandboxRoot { get; set; } = Path.Combine(Path.GetTempPath(), "nexus-sandbox");

    /// <summary>How long session and approval records stay in Redis after their last change (default 7 days).</summary>
    public TimeSpan RecordRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often this instance renews its heartbeat and looks for orphaned sessions (default 5 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to live of the heartbeat key: an instance silent this long is dead (default 15 s).</summary>
    public TimeSpan HeartbeatTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>An OpenAI-compatible model; when its endpoint is empty the built-in planner is the brain.</summary>
    public ModelOptions Model { get; set; } = new();
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
