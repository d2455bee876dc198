using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Infrastructure;

/// <summary>How every whole-app fixture creates the AppHost under test: its arguments, and the log filters they all need.</summary>
public static class AppHostTesting
{
    public static async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Nexus_AppHost>(args, cancellationToken);
        builder.Services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            // Health checks fail, and say so at Error, while resources start and stop: expected, not a test failure.
            logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
            logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning);
        });
        return builder;
    }
}
