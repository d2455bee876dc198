using System.Collections.Concurrent;
using Nexus.Contracts.Redis;
using StackExchange.Redis;

namespace Nexus.WsGateway.Redis;

/// <summary>
/// Reads <c>HGET nexus:session:&lt;id&gt; owner</c>, written by the runner. An owner never changes, so it is cached;
/// the cache is bounded (emptied when full: simple, and a miss only costs one HGET). A missing record is cached
/// briefly, so a burst to an unknown session costs one lookup, while a session created a moment later is found.
/// </summary>
internal sealed class RedisSessionOwnerLookup(IConnectionMultiplexer redis, TimeProvider time) : ISessionOwnerLookup
{
    internal const int MaxCachedOwners = 100_000;
    private static readonly TimeSpan s_missingTtl = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _missingUntil = new(StringComparer.Ordinal);

    public ValueTask<string?> GetOwnerAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (_owners.TryGetValue(sessionId, out var owner))
        {
            return ValueTask.FromResult<string?>(owner);
        }

        if (_missingUntil.TryGetValue(sessionId, out var until) && time.GetTimestamp() < until)
        {
            return ValueTask.FromResult<string?>(null);
        }

        return LookUpAsync(sessionId, cancellationToken);
    }

    private async ValueTask<string?> LookUpAsync(string sessionId, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().HashGetAsync(RedisKeys.Session(sessionId), RedisKeys.SessionOwnerField).WaitAsync(cancellationToken);
        if (value.IsNullOrEmpty)
        {
            Remember(_missingUntil, sessionId, time.GetTimestamp() + (long)(s_missingTtl.TotalSeconds * time.TimestampFrequency));
            return null;
        }

        var owner = value.ToString();
        Remember(_owners, sessionId, owner);
        _missingUntil.TryRemove(sessionId, out _);
        return owner;
    }

    private static void Remember<T>(ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxCachedOwners)
        {
            cache.Clear();
        }

        cache[key] = value;
    }
}
