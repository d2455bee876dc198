using System.Diagnostics;
using Nexus.Bench.LoadGen.Measure;
using Nexus.Contracts.History;
using StackExchange.Redis;

namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>
/// Publishes the benchmark's payloads on <c>nexus:notify:global</c>: durably with <c>FCALL nexus_publish</c> (appended to
/// the history, the id added; docs/protocol.md section 1.1) unless <c>--plain-publish</c> asks for a plain PUBLISH.
/// </summary>
internal sealed class BenchPublisher(ConnectionMultiplexer connection, bool plain)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("nexus:notify:global");

    public bool Durable => !plain;

    /// <summary>Publishes the payload of <paramref name="seq"/>; returns its id when published durably, else null.</summary>
    public async Task<string?> PublishAsync(long seq, CancellationToken cancellationToken)
    {
        var payload = Payload.Build(seq, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (plain)
        {
            await connection.GetSubscriber().PublishAsync(Channel, payload).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return null;
        }

        var id = await connection.GetDatabase().ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, "global", payload)
            .WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        return (string?)id;
    }
}
