using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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

    /// <summary>
    /// Waits for a resource that was just restarted to be Running and healthy. Unlike
    /// <c>WaitForResourceHealthyAsync</c>, it does not give up on the stopped snapshot that can still be the latest
    /// one right after a restart command returns.
    /// </summary>
    public static Task WaitForRestartedAsync(this DistributedApplication app, string resource, CancellationToken cancellationToken)
        => app.ResourceNotifications.WaitForResourceAsync(
            resource,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy,
            cancellationToken);
}
