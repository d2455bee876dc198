using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Expires overdue pending approvals (auto-deny, docs/protocol.md section 6). Every replica runs it on its own
/// <see cref="TimeProvider"/> schedule, but what is overdue is Redis's clock's call, and one script expires each request
/// once: a replica with a skewed clock expires nothing early, and each expiry is announced once (issue 13 item 5).
/// Expiring a parked session's request wakes the session, which ends with reason <c>denied</c>.
/// </summary>
internal sealed partial class ApprovalExpirySweeper(
    ApprovalStore store,
    ApprovalResolver resolver,
    IOptions<ApprovalOptions> options,
    TimeProvider timeProvider,
    ILogger<ApprovalExpirySweeper> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.SweepFailed(logger, ex.Message, ex);
            }

            try
            {
                await Task.Delay(options.Value.SweepInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Expires every request due by Redis's clock; returns how many this call expired.</summary>
    public async Task<int> SweepOnceAsync()
    {
        var expired = await store.SweepAsync(BatchSize);
        foreach (var request in expired)
        {
            await resolver.AnnounceAsync(request.RequestId, request.SessionId, ApprovalDecisions.Expired, ApprovalDecisions.System, null);
        }

        return expired.Count;
    }

    private static partial class Log
    {
        [LoggerMessage(3202, LogLevel.Warning, "Approval expiry sweep failed, retrying at the next interval: {Reason}")]
        public static partial void SweepFailed(ILogger logger, string reason, Exception exception);
    }
}
