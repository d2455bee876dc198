using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Events;

namespace Nexus.AgentRunner.Approvals;

/// <summary>
/// Expires overdue pending approvals (auto-deny, docs/protocol.md section 6). Every replica runs it; the
/// decision script lets exactly one of them resolve each request and publish its approval_resolved.
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

    /// <summary>Expires every request due at the current time; returns how many this call expired.</summary>
    public async Task<int> SweepOnceAsync()
    {
        var expired = 0;
        var due = await store.OverdueAsync(timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), BatchSize);
        foreach (var requestId in due)
        {
            var outcome = await resolver.ResolveAsync(requestId, ApprovalDecisions.Expired, ApprovalDecisions.System, null);
            if (outcome.Resolved)
            {
                expired++;
            }
            else if (outcome.Result is DecideResult.Missing or DecideResult.Conflict)
            {
                await store.RemovePendingAsync(requestId); // A leftover index entry of a gone or decided record.
            }
        }

        return expired;
    }

    private static partial class Log
    {
        [LoggerMessage(3202, LogLevel.Warning, "Approval expiry sweep failed, retrying at the next interval: {Reason}")]
        public static partial void SweepFailed(ILogger logger, string reason, Exception exception);
    }
}
