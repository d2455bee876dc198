namespace Nexus.WsGateway.Telemetry;

/// <summary>
/// Every log event id of the gateway, in one table so ids stay stable and unique (YARP's Utilities/EventIds.cs).
/// Ranges: 1xx connections, 2xx fan-out, 3xx Redis, 4xx hosting, 5xx identity.
/// </summary>
internal static class EventIds
{
    public const int ConnectionOpened = 100;
    public const int ConnectionClosed = 101;
    public const int ConnectionRefused = 102;
    public const int ClientDisconnected = 103;
    public const int SlowClientDisconnected = 104;
    public const int MessageTooLarge = 105;
    public const int BinaryMessage = 106;
    public const int RateLimited = 107;
    public const int RateLimitDisconnect = 108;
    public const int DispatchFailed = 109;
    public const int CloseTimedOut = 110;
    public const int SendFailed = 111;
    public const int DirectUpgradeHeadFailed = 112;
    public const int DirectUpgradeHeadNotReceived = 113;
    public const int FirstMessageArriving = 114;

    public const int NotificationFannedOut = 200;
    public const int InvalidPayload = 201;
    public const int NoSessionOwner = 202;
    public const int OwnerLookupFailed = 203;
    public const int FanoutFailed = 204;
    public const int HistoryCaughtUp = 205;
    public const int HistoryCatchUpFailed = 206;
    public const int HistoryCatchUpIncomplete = 207;

    public const int Subscribed = 300;
    public const int Unsubscribed = 301;
    public const int RedisConnectionFailed = 302;
    public const int RedisConnectionRestored = 303;

    public const int ShutdownStarted = 400;
    public const int ShutdownCompleted = 401;
    public const int ShutdownAborted = 402;
    public const int UnsubscribeFailed = 403;

    public const int TokenExpired = 500;
    public const int DevTokenIssued = 501;
}
