using System.Diagnostics.Metrics;

namespace Nexus.WsGateway.Telemetry;

/// <summary>
/// The gateway's instruments (issue 2 item 6). Created through <see cref="IMeterFactory"/> so that each host,
/// tests included, has its own meter.
/// </summary>
internal sealed class GatewayMetrics
{
    private readonly UpDownCounter<long> _openConnections;
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _slowClients;
    private readonly Counter<long> _rateLimited;
    private readonly Histogram<double> _fanoutDuration;
    private readonly Counter<long> _batched;
    private readonly Counter<long> _directUpgrades;
    private readonly Counter<long> _headsAbandoned;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _originRefusals;
    private readonly Counter<long> _caughtUp;
    private readonly Counter<long> _duplicatesSkipped;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _replayed;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(GatewayTelemetry.Name);
        _openConnections = Meter.CreateUpDownCounter<long>("nexus.gateway.connections", "{connection}", "Open WebSocket connections.");
        _received = Meter.CreateCounter<long>("nexus.gateway.notifications.received", "{notification}", "Notifications received from Redis.");
        _delivered = Meter.CreateCounter<long>("nexus.gateway.notifications.delivered", "{notification}", "Notifications handed to client connections (one per recipient).");
        _rejected = Meter.CreateCounter<long>("nexus.gateway.notifications.rejected", "{notification}", "Invalid notification payloads that were not forwarded.");
        _slowClients = Meter.CreateCounter<long>("nexus.gateway.slow_client_disconnects", "{connection}", "Clients disconnected because their outgoing queue was full.");
        _rateLimited = Meter.CreateCounter<long>("nexus.gateway.requests.rate_limited", "{request}", "Client requests refused with -32004 (each request of a batch counts).");
        _authFailures = Meter.CreateCounter<long>("nexus.gateway.auth.failures", "{request}", "Upgrades refused with 401, by reason (missing, expired, bad_signature, ...).");
        _originRefusals = Meter.CreateCounter<long>("nexus.gateway.origin.refusals", "{request}", "Upgrades refused with 403 because of their Origin.");
        _batched = Meter.CreateCounter<long>("nexus.gateway.fanout.batched", "{notification}", "Notifications fanned out in one pass over a backlog, flushed once per socket with the others of the pass.");
        _directUpgrades = Meter.CreateCounter<long>("nexus.gateway.upgrades.direct", "{connection}", "WebSocket upgrades accepted below Kestrel's HTTP layer (Gateway:DirectUpgrade).");
        _headsAbandoned = Meter.CreateCounter<long>("nexus.gateway.upgrades.head_abandoned", "{connection}", "Connections the direct upgrade path closed without a complete request head, by reason (timeout: Gateway:UpgradeHeadTimeout; shutdown).");
        _caughtUp = Meter.CreateCounter<long>("nexus.gateway.history.caught_up", "{notification}", "Durable notifications the subscriber missed (its Redis connection was cut) and the gateway read from the history and delivered.");
        _duplicatesSkipped = Meter.CreateCounter<long>("nexus.gateway.history.duplicates", "{notification}", "Durable notifications received live after a catch-up had delivered them already.");
        _resumes = Meter.CreateCounter<long>("nexus.gateway.resumes", "{request}", "notify.resume calls, by recovered (true or false).");
        _replayed = Meter.CreateCounter<long>("nexus.gateway.resumes.replayed", "{notification}", "Notifications sent by notify.resume.");
        _fanoutDuration = Meter.CreateHistogram<double>("nexus.gateway.fanout.duration", "ms", "Time from receiving a notification to handing it to every recipient.");
    }

    public Meter Meter { get; }

    /// <summary>Registers the subscriber backlog gauge; called once by the notification source.</summary>
    public void ObserveBacklog(Func<long> backlog)
        => Meter.CreateObservableGauge("nexus.gateway.subscriber.backlog", backlog, "{notification}", "Notifications received from Redis and not yet fanned out.");

    public void ConnectionOpened() => _openConnections.Add(1);

    public void ConnectionClosed() => _openConnections.Add(-1);

    public void NotificationReceived() => _received.Add(1);

    public void NotificationDelivered(int recipients)
    {
        if (recipients > 0)
        {
            _delivered.Add(recipients);
        }
    }

    public void NotificationRejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SlowClientDisconnected() => _slowClients.Add(1);

    public void RequestsRateLimited(int requests) => _rateLimited.Add(requests);

    public void AuthenticationFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void OriginRefused() => _originRefusals.Add(1);

    public void FanoutCompleted(double milliseconds) => _fanoutDuration.Record(milliseconds);

    public void NotificationsBatched(int notifications) => _batched.Add(notifications);

    public void DirectUpgradeAccepted() => _directUpgrades.Add(1);

    public void HistoryCaughtUp(int notifications) => _caughtUp.Add(notifications);

    public void HistoryDuplicateSkipped() => _duplicatesSkipped.Add(1);

    public void Resumed(bool recovered, int replayed)
    {
        _resumes.Add(1, new KeyValuePair<string, object?>("recovered", recovered));
        if (replayed > 0)
        {
            _replayed.Add(replayed);
        }
    }

    /// <summary>Registers the history cache gauge; called once.</summary>
    public void ObserveHistoryCache(Func<int> entries)
        => Meter.CreateObservableGauge("nexus.gateway.history.cached", entries, "{notification}", "Durable notifications kept in memory for resumes.");

    public void UpgradeHeadAbandoned(string reason) => _headsAbandoned.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
