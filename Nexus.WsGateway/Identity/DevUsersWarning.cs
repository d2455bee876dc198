using Microsoft.Extensions.Options;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// Says loudly, at every start, that <c>?user=</c> identities are on outside Development: anyone who reaches the
/// socket can then claim any user. Nothing of ours sets it there; this is for whoever did (SECURITY.md).
/// </summary>
internal sealed partial class DevUsersWarning(IOptions<AuthOptions> options, IHostEnvironment environment, ILogger<DevUsersWarning> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowDevUsers && !environment.IsDevelopment())
        {
            Log.DevUsersOutsideDevelopment(logger, environment.EnvironmentName);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventIds.DevUsersOutsideDevelopment, LogLevel.Warning,
            "Auth:AllowDevUsers is true in environment {Environment}: any client can claim any user with ?user=. Use signed tokens (Auth:SigningKey) for anything but a test rig.")]
        public static partial void DevUsersOutsideDevelopment(ILogger logger, string environment);
    }
}
