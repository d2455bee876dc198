using Aspire.Hosting;

namespace Nexus.Tests.Infrastructure;

/// <summary>How every whole-app fixture ends its app: a bounded stop, then a bounded dispose.</summary>
public static class AppLifetime
{
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static async Task StopAndDisposeAsync(this DistributedApplication? app)
    {
        if (app is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await app.StopAsync(timeout.Token);
        }
        finally
        {
            await app.DisposeAsync().AsTask().WaitAsync(StopTimeout);
        }
    }
}
