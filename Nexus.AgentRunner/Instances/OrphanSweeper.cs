using Nexus.AgentRunner.Approvals;
using Nexus.AgentRunner.Sessions;
using Nexus.Contracts.Events;
using StackExchange.Redis;

namespace Nexus.AgentRunner.Instances;

/// <summary>
/// Ends sessions whose runner is gone (issue 3, point 7): their runner's heartbeat key expired, or they
/// carry this instance's id from a previous life. The pending approval resolves as expired, then
/// agent.error and agent.completed (reason error). The finish script lets one replica win each session.
/// </summary>
internal sealed partial class OrphanSweeper(
    SessionStore store,
    SessionManager manager,
    ApprovalResolver resolver,
    SessionEvents events,
    RunnerInstance instance,
    IConnectionMultiplexer redis,
    TimeProvider timeProvider,
    ILogger<OrphanSweeper> logger)
{
    public async Task<int> SweepOnceAsync()
    {
        var db = redis.GetDatabase();
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal) { [instance.Id] = true };
        var ended = 0;
        foreach (var sessionId in await store.ActiveSessionIdsAsync())
        {
            var record = await store.GetAsync(sessionId);
            if (record is null)
            {
                // Expired record: the finish script drops the index entry and reports nothing to publish.
                await store.FinishAsync(sessionId, null, "failed", 0, null, null);
                continue;
            }

            bool orphaned;
            if (record.Runner == instance.Id)
            {
                orphaned = !manager.IsRunningHere(sessionId);
            }
            else
            {
                if (!alive.TryGetValue(record.Runner, out var isAlive))
                {
                    isAlive = await db.KeyExistsAsync(RunnerKeys.Heartbeat(record.Runner));
                    alive[record.Runner] = isAlive;
                }

                orphaned = !isAlive;
            }

            if (orphaned && await FailAsync(record))
            {
                ended++;
            }
        }

        return ended;
    }

    private async Task<bool> FailAsync(SessionRecord record)
    {
        if (record.PendingApproval is { } requestId)
        {
            await resolver.ResolveAsync(requestId, ApprovalDecisions.Expired, ApprovalDecisions.System, null, force: true);
        }

        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (!await store.FinishAsync(record.SessionId, record.Owner, Nexus.Contracts.SessionStatus.Failed, now, null, CompletionReasons.Error))
        {
            return false;
        }

        Log.Orphaned(logger, record.SessionId, record.Runner);
        await events.ErrorAsync(record.SessionId, $"The runner '{record.Runner}' that ran this session stopped.");
        await events.CompletedAsync(new AgentCompletedData(record.SessionId, false, null, CompletionReasons.Error));
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(3300, LogLevel.Warning, "Session {SessionId} failed: its runner {Runner} is gone")]
        public static partial void Orphaned(ILogger logger, string sessionId, string runner);
    }
}
