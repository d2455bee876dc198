using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Nexus.Contracts.History;

/// <summary>
/// Loads the <c>nexus</c> function library and the trimming settings (docs/protocol.md section 1.1). Every service
/// does so at start; a publisher that finds the function gone (Redis restarted without its data) loads it again.
/// Loading never fails the start: Redis may come later, and the first durable publish then loads it.
/// </summary>
public sealed partial class HistoryFunctionLoader(IConnectionMultiplexer redis, IOptions<HistoryOptions> options, ILogger<HistoryFunctionLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.LoadDeferred(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads (or replaces) the library and writes the trimming settings.</summary>
    public async Task LoadAsync()
    {
        var db = redis.GetDatabase();
        await db.ExecuteAsync("FUNCTION", "LOAD", "REPLACE", HistoryLibrary.Source);
        await db.HashSetAsync(RedisHistoryKeys.Meta,
        [
            new("window", (long)options.Value.Window.TotalMilliseconds),
            new("max", options.Value.MaxEntries),
        ]);
        Log.Loaded(logger, HistoryLibrary.Version, options.Value.Window, options.Value.MaxEntries);
    }

    private static partial class Log
    {
        [LoggerMessage(3910, LogLevel.Information, "Loaded the Redis function library nexus (version {Version}); history window {Window}, at most {MaxEntries} entries")]
        public static partial void Loaded(ILogger logger, int version, TimeSpan window, long maxEntries);

        [LoggerMessage(3911, LogLevel.Warning, "Could not load the Redis function library nexus at start ({Reason}); the first durable publish loads it")]
        public static partial void LoadDeferred(ILogger logger, string reason);
    }
}
