using System.Globalization;
using System.Text;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// One session's folder under <see cref="SandboxRoot"/>, with its quota (<c>Runner:SandboxMaxBytesPerSession</c>,
/// <c>Runner:SandboxMaxFilesPerSession</c>). Writes never follow a symbolic link: the text goes to a new file created
/// exclusively, which then replaces the target name (a rename replaces a link, it does not write through it).
/// </summary>
internal sealed class SessionSandbox(string folder, long maxBytes, int maxFiles)
{
    public string Folder => folder;

    public async Task<string> WriteFileAsync(string file, string text, CancellationToken cancellationToken)
    {
        // Checked here as well as by the planner: a model may call the tool with any name.
        if (SandboxFileName.Validate(file) is { } problem)
        {
            throw new ArgumentException(problem, nameof(file));
        }

        SandboxRoot.Prepare(folder);
        var bytes = Encoding.UTF8.GetBytes(text);
        var path = Path.Combine(folder, file);
        CheckQuota(file, bytes.Length);

        var temporary = Path.Combine(folder, "." + Guid.NewGuid().ToString("N") + ".tmp");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using (var stream = new FileStream(temporary, create))
            {
                await stream.WriteAsync(bytes, cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return string.Create(CultureInfo.InvariantCulture, $"wrote {bytes.Length} bytes to {file}");
    }

    /// <summary>Throws when writing <paramref name="length"/> bytes as <paramref name="file"/> would pass a limit.</summary>
    private void CheckQuota(string file, long length)
    {
        var files = 0;
        var bytes = length;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (string.Equals(entry.Name, file, StringComparison.Ordinal))
            {
                if (entry.LinkTarget is not null || entry is DirectoryInfo)
                {
                    throw new InvalidOperationException($"'{file}' in the sandbox is not a plain file; it is not overwritten.");
                }

                continue;
            }

            files++;
            bytes += entry is FileInfo { LinkTarget: null } plain ? plain.Length : 0;
        }

        if (files + 1 > maxFiles)
        {
            throw new InvalidOperationException($"The session's sandbox holds {maxFiles} files already (Runner:SandboxMaxFilesPerSession).");
        }

        if (bytes > maxBytes)
        {
            throw new InvalidOperationException($"Writing {length} bytes would take the session's sandbox past {maxBytes} bytes (Runner:SandboxMaxBytesPerSession).");
        }
    }
}
