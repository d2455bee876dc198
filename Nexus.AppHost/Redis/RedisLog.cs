using Microsoft.Extensions.Logging;

namespace Nexus.AppHost.Redis;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Redis runs as {Mode}: {Reason}")]
    public static partial void RedisModeChosen(ILogger logger, RedisMode mode, string reason);
}
