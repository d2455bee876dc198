using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Nexus.Tests.Identity;
using Nexus.Tests.Runner;

namespace Nexus.Tests.Infrastructure;

/// <summary>
/// The built runner (<c>Nexus.AgentRunner/bin/Release/net10.0/Nexus.AgentRunner.dll</c>, made by
/// <c>dotnet build Nexus.slnx -c Release</c>) as a real OS process on a free loopback port, for what an in-process host
/// cannot show: <see cref="Kill"/> (SIGKILL), <see cref="Pause"/> (SIGSTOP) and <see cref="Resume"/> (SIGCONT). It
/// accepts the tokens of <see cref="Tokens"/>; its log lines (one per line) are kept in <see cref="Output"/>. It is always
/// killed by its process id on dispose.
/// </summary>
public sealed class RunnerProcess : IAsyncDisposable
{
    private const string SigCont = "CONT";
    private const string SigStop = "STOP";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private bool _paused;

    private RunnerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>
    /// Starts the runner against <paramref name="redis"/> with <paramref name="sandbox"/> as its sandbox root, short
    /// heartbeat and lease settings (0.5 s and 2 s), and waits until <c>/health</c> answers.
    /// </summary>
    public static async Task<RunnerProcess> StartAsync(RedisServer redis, string sandbox, IDictionary<string, string?>? settings = null)
    {
        var dll = Path.Combine(RepositoryRoot(), "Nexus.AgentRunner", "bin", "Release", "net10.0", "Nexus.AgentRunner.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first (dotnet build Nexus.slnx -c Release).");
        }

        var port = RedisServer.FreeTcpPort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__redis"] = redis.ConnectionString + ",abortConnect=false",
            ["Auth__SigningKey"] = Tokens.Key,
            ["Auth__Issuer"] = Tokens.Issuer,
            ["Auth__Audience"] = Tokens.Audience,
            ["Auth__ServiceKey"] = RunnerHost.ServiceKey,
            ["Runner__SandboxRoot"] = sandbox,
            ["Runner__HeartbeatInterval"] = "00:00:00.500",
            ["Runner__HeartbeatTtl"] = "00:00:02",
            ["Runner__LeaseDuration"] = "00:00:02",
            ["Runner__DrainTimeout"] = "00:00:01",
            ["Approvals__SweepInterval"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Nexus.AgentRunner"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var runner = new RunnerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => runner.Record(e.Data);
        process.ErrorDataReceived += (_, e) => runner.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await runner.WaitHealthyAsync();
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }

        return runner;
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to drain, park or let go of anything.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGSTOP: the process is frozen, as a stalled VM or a long GC pause would freeze it.</summary>
    public void Pause()
    {
        Signal(SigStop);
        _paused = true;
    }

    /// <summary>SIGCONT: the frozen process goes on from where it was.</summary>
    public void Resume()
    {
        Signal(SigCont);
        _paused = false;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Log lines recorded after the first <paramref name="skip"/>.</summary>
    public IReadOnlyList<string> OutputSince(int skip) => [.. _output.Skip(skip)];

    /// <summary>POSTs <paramref name="body"/> as <paramref name="user"/> (a token for them).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, object body, string user, bool approver = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Authorization = new("Bearer", Tokens.Create(user, approver: approver ? true : null));
        if (path == "/api/sessions")
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        }

        var response = await Http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Starts a session owned by <paramref name="owner"/> and returns its id.</summary>
    public async Task<string> RunAsync(string owner, string task)
    {
        var (response, body) = await PostAsync("/api/sessions", new { task }, owner);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return body.GetProperty("sessionId").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                if (_paused)
                {
                    Signal(SigCont);
                }

                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The runner exited with {_process.ExitCode}: {string.Join(Environment.NewLine, _output)}");
            }

            try
            {
                using var response = await Http.GetAsync("/health").WaitAsync(TimeSpan.FromSeconds(5));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The runner did not become healthy: {string.Join(Environment.NewLine, _output)}");
            }

            await Task.Delay(100);
        }
    }

    private void Signal(string signal)
    {
        // kill(1) by pid: the signal goes to this process and nothing else.
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit(TimeSpan.FromSeconds(10));
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Nexus.slnx not found above " + AppContext.BaseDirectory);
    }
}
