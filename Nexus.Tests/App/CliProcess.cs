using System.Diagnostics;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.App;

/// <summary>
/// The command-line client (Nexus.Cli, the <c>nexus</c> tool) run as a real process with <c>dotnet nexus.dll</c>, as
/// a user would run the installed tool. Its output lines are kept; it is killed (by its own process id) if still running at the end.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly List<string> _out = [];
    private readonly List<string> _err = [];
    private readonly Lock _gate = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(_out, e.Data);
        process.ErrorDataReceived += (_, e) => Add(_err, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Output => Snapshot(_out);

    public IReadOnlyList<string> Errors => Snapshot(_err);

    /// <summary>The tool as the build left it: Nexus.Cli/bin/&lt;configuration&gt;/net10.0/nexus.dll.</summary>
    public static string ToolPath
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testBin.Parent!.Name;
            var root = testBin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Nexus.slnx")))
            {
                root = root.Parent;
            }

            var path = Path.Combine(root!.FullName, "Nexus.Cli", "bin", configuration, testBin.Name, "nexus.dll");
            Assert.True(File.Exists(path), $"the CLI is not built at {path}");
            return path;
        }
    }

    public static CliProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The tool reads its defaults from these; a test says everything explicitly.
        info.Environment.Remove("NEXUS_URL");
        info.Environment.Remove("NEXUS_USER");
        info.Environment.Remove("NEXUS_TOKEN");
        return new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Runs a command to its end: its exit code and standard output.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)> RunAsync(params string[] args)
    {
        await using var cli = Start(args);
        var exitCode = await cli.WaitForExitAsync();
        return (exitCode, cli.Output, cli.Errors);
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what)
    {
        await Wait.UntilAsync(() => Output.Any(predicate) || _process.HasExited, what, Timeout);
        var line = Output.FirstOrDefault(predicate);
        if (line is null)
        {
            Assert.Fail($"nexus exited ({_process.ExitCode}) before {what}; stdout: {string.Join('\n', Output)}; stderr: {string.Join('\n', Errors)}");
        }

        return line;
    }

    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(cts.Token);
        // The last lines may still be on their way through the redirected pipes.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
        }
    }

    private IReadOnlyList<string> Snapshot(List<string> lines)
    {
        lock (_gate)
        {
            return [.. lines];
        }
    }
}
