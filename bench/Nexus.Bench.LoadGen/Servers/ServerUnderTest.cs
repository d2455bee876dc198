using System.Globalization;
using System.Net;
using Nexus.Bench.LoadGen.Clients;

namespace Nexus.Bench.LoadGen.Servers;

/// <summary>One server process started from its built dll on a free port, ready when a WebSocket upgrade succeeds.</summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ServerUnderTest(ChildProcess process, ServerKind kind, IPEndPoint endpoint)
    {
        _process = process;
        Kind = kind;
        Endpoint = endpoint;
    }

    public ServerKind Kind { get; }

    public IPEndPoint Endpoint { get; }

    public int Pid => _process.Pid;

    public bool HasExited => _process.HasExited;

    public string LogTail() => _process.LogTail();

    public static async Task<ServerUnderTest> StartAsync(ServerKind kind, BenchOptions options, int redisPort, string logPath)
    {
        var dll = kind == ServerKind.Nexus && options.NexusDll is { } nexusDll ? nexusDll : Path.Combine(options.RepoRoot, kind.RelativeDll);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build it first (bench/run.sh does).", dll);
        }

        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort}",
            // ?user= identities exist only in Development (the gateway refuses to start with them elsewhere); the
            // Development log levels are overridden so the run logs as little as in Production.
            ["Auth__AllowDevUsers"] = "true",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Nexus"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        if (options.MaxQueuedBytes is { } maxQueued)
        {
            environment["Gateway__MaxQueuedBytes"] = maxQueued.ToString(CultureInfo.InvariantCulture);
        }

        var process = ChildProcess.Start("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"], environment, logPath);
        var server = new ServerUnderTest(process, kind, new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            await server.WaitReadyAsync(TimeSpan.FromSeconds(45));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Kind.Name} exited during start-up:\n{_process.LogTail()}");
            }

            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await using var probe = await WsClient.ConnectAsync(
                    0, IPAddress.Loopback, Endpoint, Kind.PathFor(0), Kind.SignalR, 1024, attempt.Token);
                return;
            }
            catch (InvalidOperationException ex)
            {
                // Kestrel listens only once the app has started, so an HTTP refusal is final.
                throw new InvalidOperationException($"{Kind.Name} refused the WebSocket: {ex.Message}\n{_process.LogTail()}", ex);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
