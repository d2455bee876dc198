using Nexus.AgentRunner.Durable;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Takes on the sessions that wait for a runner, as many as this one has free slots: first those whose holder went silent
/// past its lease (a crashed or stalled runner: taking the lease fences it out), then the queue of decided and drained
/// sessions. Called on each heartbeat and whenever the bell rings; never per parked session.
/// </summary>
internal sealed partial class SessionPickup(SessionManager manager, SessionLeases leases, ILogger<SessionPickup> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<int> PickUpAsync()
    {
        // One pass at a time; a ring during a pass is answered by the next ring or beat.
        if (!await _gate.WaitAsync(0))
        {
            return 0;
        }

        try
        {
            var total = 0;
            while (!manager.IsStopping && manager.FreeSlots is > 0 and var free)
            {
                var expired = await leases.ClaimExpiredAsync(free);
                foreach (var claim in expired)
                {
                    Log.TookOver(logger, claim.SessionId, claim.Fence);
                }

                var ready = expired.Count < free ? await leases.ClaimReadyAsync(free - expired.Count) : [];
                foreach (var claim in expired.Concat(ready))
                {
                    await manager.ResumeAsync(claim);
                }

                total += expired.Count + ready.Count;
                if (expired.Count + ready.Count < free)
                {
                    break;
                }
            }

            return total;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static partial class Log
    {
        [LoggerMessage(3410, LogLevel.Warning, "Took over session {SessionId} (fence {Fence}): its runner did not renew the lease in time")]
        public static partial void TookOver(ILogger logger, string sessionId, long fence);
    }
}
