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

    public Task PublishAsync(long seq, CancellationToken cancellationToken)
    {
        var payload = Payload.Build(seq, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Task sent = plain
            ? connection.GetSubscriber().PublishAsync(Channel, payload)
            : connection.GetDatabase().ExecuteAsync("FCALL", HistoryLibrary.PublishFunction, 0, "global", payload);
        return sent.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }
}
