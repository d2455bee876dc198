using System.Globalization;
using Nexus.Bench.LoadGen.Servers;

namespace Nexus.Bench.LoadGen;

/// <summary>
/// Command line of the load generator; <c>--quick</c> picks small sizes for a short run, <c>--smoke</c> smaller still for
/// the correctness smoke of ./test.sh.
/// </summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Nexus.Bench.LoadGen [options]
          --quick                    small sizes, one round (about 2 minutes)
          --smoke                    smaller still: a faster correctness smoke than --quick (about 1 minute)
          --servers nexus,signalr,bare   servers to compare (default: all three)
          --scenarios fanout,moderate,idle,storm   (default: all; storm runs for nexus only)
          --sizes 100,1000,5000      fan-out client counts
          --rounds R                 rounds per scenario; medians are reported (default 3)
          --idle-rounds R            rounds of the idle scenario (default 2)
          --deliveries D             target deliveries per max-rate run (messages = D / N)
          --max-seconds S            cap on the publishing time of a max-rate run
          --moderate-clients N --moderate-rate R --moderate-seconds S
          --warmup-seconds S         sustained, unmeasured publishing before each fan-out run (default 10)
          --idle-connections N
          --storm-clients N          clients of the reconnect storm (default 5000)
          --storm-missed M           notifications published while they are away, each to be resumed (default 100)
          --storm-window S           seconds the reconnects are spread over (default 2)
          --storm-live-rate R        live notifications per second during and after the storm (default 5)
          --max-queued-bytes B       Gateway__MaxQueuedBytes for Nexus
          --plain-publish            publish with PUBLISH (live only) instead of the durable FCALL nexus_publish
          --root DIR                 repository root (default: found from the current directory)
          --nexus-dll PATH           run a Nexus.WsGateway.dll built elsewhere (run.sh then does not build the gateway)
          --out DIR                  results directory (default: bench/results/<date>)
        """;

    public bool Quick { get; private set; }

    public IReadOnlyList<ServerKind> Servers { get; private set; } = ServerKind.All;

    public static IReadOnlySet<string> KnownScenarios { get; } = new HashSet<string> { "fanout", "moderate", "idle", "storm" };

    public IReadOnlySet<string> Scenarios { get; private set; } = KnownScenarios;

    public IReadOnlyList<int> FanOutSizes { get; private set; } = [100, 1000, 5000];

    public int Rounds { get; private set; } = 3;

    /// <summary>Memory is steadier than CPU, and 10,000 connections take long to open: fewer rounds.</summary>
    public int IdleRounds { get; private set; } = 2;

    public long TargetDeliveries { get; private set; } = 600_000;

    public double MaxSeconds { get; private set; } = 8;

    public int ModerateClients { get; private set; } = 1000;

    public double ModerateRate { get; private set; } = 20;

    public double ModerateSeconds { get; private set; } = 10;

    /// <summary>
    /// Sustained publishing before each measured fan-out window. A short burst left tiered compilation (tier 0,
    /// instrumented, tier 1) busy in the servers for the first 30 s of a moderate run, a quarter of their CPU.
    /// </summary>
    public double WarmupSeconds { get; private set; } = 10;

    /// <summary>Deliveries per second of that warm-up (at least the scenario's own rate).</summary>
    public double WarmupDeliveriesPerSecond { get; private set; } = 100_000;

    public int IdleConnections { get; private set; } = 10_000;

    public long? MaxQueuedBytes { get; private set; }

    /// <summary>Reconnect storm (issue 12): clients that reconnect, each resuming <see cref="StormMissed"/> notifications.</summary>
    public int StormClients { get; private set; } = 5000;

    public int StormMissed { get; private set; } = 100;

    /// <summary>Every client reconnects within this many seconds, at evenly spread moments.</summary>
    public double StormWindowSeconds { get; private set; } = 2;

    /// <summary>A modest live rate, so that live notifications are checked to follow each replay with no gap.</summary>
    public double StormLiveRate { get; private set; } = 5;

    /// <summary>
    /// Publish with a plain <c>PUBLISH</c> instead of <c>FCALL nexus_publish</c> (docs/protocol.md section 1.1). Durable is
    /// the default: it is how Nexus's own events are published, and every server under test gets the same payloads.
    /// </summary>
    public bool PlainPublish { get; private set; }

    public string RepoRoot { get; private set; } = FindRoot();

    /// <summary>A gateway built elsewhere (another branch or clone) instead of the one under <see cref="RepoRoot"/>.</summary>
    public string? NexusDll { get; private set; }

    public string OutDir { get; private set; } = "";

    public string CommandLine { get; private set; } = "";

    public static BenchOptions Parse(string[] args)
    {
        // The command as a reader would retype it: run.sh adds --root itself.
        var shown = args.Where((a, i) => a != "--root" && (i == 0 || args[i - 1] != "--root"));
        var options = new BenchOptions { CommandLine = string.Join(' ', shown) };
        if (args.Contains("--smoke"))
        {
            // ./test.sh runs this after the unit tests: every scenario and server once, as small as still tells whether a
            // delivery went missing, twice or out of order. No figure of it means anything.
            options.Quick = true;
            options.FanOutSizes = [50];
            options.Rounds = 1;
            options.IdleRounds = 1;
            options.TargetDeliveries = 10_000;
            options.MaxSeconds = 2;
            options.ModerateClients = 50;
            options.ModerateSeconds = 2;
            options.IdleConnections = 200;
            options.WarmupSeconds = 0.5;
            options.StormClients = 200;
        }
        else if (args.Contains("--quick"))
        {
            options.Quick = true;
            options.FanOutSizes = [50, 200];
            options.Rounds = 1;
            options.IdleRounds = 1;
            options.TargetDeliveries = 40_000;
            options.MaxSeconds = 4;
            options.ModerateClients = 200;
            options.ModerateSeconds = 3;
            options.IdleConnections = 1000;
            options.WarmupSeconds = 1;
            options.StormClients = 500;
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick" or "--smoke":
                    break;
                case "--help":
                    throw new ArgumentException(Usage);
                case "--servers":
                    options.Servers = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ServerKind.Parse).ToList();
                    break;
                case "--scenarios":
                    options.Scenarios = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                    if (options.Scenarios.FirstOrDefault(x => !KnownScenarios.Contains(x)) is { } unknown)
                    {
                        throw new ArgumentException($"unknown scenario '{unknown}': expected some of {string.Join(",", KnownScenarios)}");
                    }

                    break;
                case "--sizes":
                    options.FanOutSizes = Next().Split(',').Select(int.Parse).ToList();
                    break;
                case "--rounds":
                    options.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    options.IdleRounds = Math.Min(options.IdleRounds, options.Rounds);
                    break;
                case "--idle-rounds":
                    options.IdleRounds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--deliveries":
                    options.TargetDeliveries = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--max-seconds":
                    options.MaxSeconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--moderate-clients":
                    options.ModerateClients = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--moderate-rate":
                    options.ModerateRate = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--moderate-seconds":
                    options.ModerateSeconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--warmup-seconds":
                    options.WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--idle-connections":
                    options.IdleConnections = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--storm-clients":
                    options.StormClients = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--storm-missed":
                    options.StormMissed = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--storm-window":
                    options.StormWindowSeconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--storm-live-rate":
                    options.StormLiveRate = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--plain-publish":
                    options.PlainPublish = true;
                    break;
                case "--max-queued-bytes":
                    options.MaxQueuedBytes = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--nexus-dll":
                    options.NexusDll = Path.GetFullPath(Next());
                    break;
                case "--root":
                    options.RepoRoot = Path.GetFullPath(Next());
                    break;
                case "--out":
                    options.OutDir = Path.GetFullPath(Next());
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}\n{Usage}");
            }
        }

        if (options.OutDir.Length == 0)
        {
            options.OutDir = Path.Combine(options.RepoRoot, "bench", "results", DateTime.Now.ToString("yyyy-MM-dd_HHmmss", CultureInfo.InvariantCulture));
        }

        return options;
    }

    /// <summary>Messages of a max-rate run: enough for the target deliveries, within sane bounds.</summary>
    public int MessagesFor(int clients) => (int)Math.Clamp(TargetDeliveries / clients, 50, 50_000);

    /// <summary>
    /// Messages in flight at most (published but not yet at every client): about 25,000 deliveries,
    /// a fraction of a second of work, which keeps every pipeline busy without turning latency into
    /// queueing time, while each client's backlog (at most 64 messages, about 20 KB) stays far below
    /// the gateway's 1 MiB slow-client limit.
    /// </summary>
    public static int WindowFor(int clients) => Math.Clamp(25_000 / clients, 4, 64);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.slnx")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
