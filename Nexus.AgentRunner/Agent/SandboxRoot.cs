using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// The folder that holds every session's sandbox (<c>Runner:SandboxRoot</c>). It must be the service's own: at start it
/// is created (or narrowed) to mode 0700, which only its owner can do, and a symbolic link there stops the start, so
/// that no other local user can plant links or read what the agents write (SECURITY.md).
/// </summary>
internal sealed class SandboxRoot(IOptions<RunnerOptions> options) : IHostedService
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _path = System.IO.Path.GetFullPath(options.Value.SandboxRoot);

    public string Path => _path;

    /// <summary>The sandbox of one session; its folder is made on its first write.</summary>
    public SessionSandbox For(string sessionId)
        => new(System.IO.Path.Combine(_path, sessionId), options.Value.SandboxMaxBytesPerSession, options.Value.SandboxMaxFilesPerSession);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Prepare(_path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates <paramref name="folder"/> private to this process's user, refusing links; throws with the reason.</summary>
    internal static void Prepare(string folder)
    {
        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is not null)
        {
            throw new InvalidOperationException($"Runner:SandboxRoot '{folder}' is a symbolic link; it must be a folder of the service's own.");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        Directory.CreateDirectory(folder, Private);
        try
        {
            // Only the owner (or root) may change a folder's mode: success proves the folder is ours.
            File.SetUnixFileMode(folder, Private);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException($"Runner:SandboxRoot '{folder}' belongs to another user; it must be a folder of the service's own.", ex);
        }
    }
}
