using System.Diagnostics;
using System.ComponentModel;

namespace Nexus.AppHost.Redis;

/// <summary>
/// Asks the container runtime whether its daemon answers (<c>docker info</c>, or the tool named by
/// <c>ASPIRE_CONTAINER_RUNTIME</c>). A CLI without a daemon is the common case on developer machines and CI,
/// and Aspire's container would then wait forever in <c>RuntimeUnhealthy</c>.
/// </summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<(bool Answers, string Reason)> ProbeAsync(string runtime)
    {
        var info = new ProcessStartInfo(runtime, "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (Win32Exception ex)
        {
            return (false, $"'{runtime}' is not installed ({ex.Message})");
        }

        if (process is null)
        {
            return (false, $"'{runtime} info' did not start");
        }

        using (process)
        {
            // Drain both pipes so a chatty runtime cannot block on a full pipe.
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (false, $"'{runtime} info' did not answer within {Timeout.TotalSeconds:0} s");
            }

            await Task.WhenAll(output, error);
            if (process.ExitCode == 0)
            {
                return (true, $"'{runtime} info' succeeded");
            }

            var firstLine = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            return (false, $"'{runtime} info' exited with {process.ExitCode}: {firstLine}");
        }
    }
}
