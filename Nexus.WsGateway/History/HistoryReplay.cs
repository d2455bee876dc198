using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Nexus.Contracts.History;
using Nexus.WsGateway.Fanout;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.History;

/// <summary>
/// What a resume replays (docs/protocol.md section 4.2): whether an id can be recovered, and the durable notifications
/// after it, oldest first. They come from this gateway's <see cref="NotificationHistory"/> when it reaches back far
/// enough, else from Redis a page at a time; a page is read once for every resume that asks for it at about the same
/// time (a reconnect storm), not once per client.
/// </summary>
internal sealed class HistoryReplay(NotificationHistory history, IHistoryReader reader, IOptions<GatewayOptions> options)
{
    private const int MaxSharedPages = 64;

    private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<HistoryEntry>>>> _pages = new(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="since"/> is of the history Redis holds now and still in it: then every notification after
    /// it is too, since trimming only ever removes the oldest. An id of another epoch (Redis lost its data since) or one
    /// trimmed away cannot be recovered, even when this gateway's cache still has it: what is recoverable is what the
    /// history keeps (History:Window, History:MaxEntries), on every replica alike. Nothing is guessed from times.
    /// One point read per resume; the entries themselves come from the cache when it has them.
    /// </summary>
    public async Task<bool> IsRecoverableAsync(HistoryId since)
    {
        var epoch = history.Epoch ?? await reader.EpochAsync();
        if (epoch is null || epoch != since.Epoch || !history.Adopt(epoch))
        {
            return false;
        }

        if (history.Last is { } last && last.Epoch == since.Epoch)
        {
            // Ahead of this gateway: another replica delivered it first; what follows arrives here live.
            if (since.Sequence > last.Sequence)
            {
                return true;
            }
        }

        return await reader.ContainsAsync(since);
    }

    /// <summary>Every durable notification after <paramref name="since"/> known now, oldest first.</summary>
    public async IAsyncEnumerable<HistoryEntry> ReadAfterAsync(HistoryId since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = since;
        var cached = new List<HistoryEntry>();
        while (true)
        {
            cached.Clear();
            if (history.TryGetAfter(after, long.MaxValue, cached))
            {
                foreach (var entry in cached)
                {
                    yield return entry;
                }

                yield break;
            }

            var page = await SharedPageAsync(after).WaitAsync(cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var entry in page)
            {
                yield return entry;
            }

            after = page[^1].Id;
        }
    }

    private Task<IReadOnlyList<HistoryEntry>> SharedPageAsync(HistoryId after)
    {
        if (_pages.Count > MaxSharedPages)
        {
            _pages.Clear();
        }

        var page = _pages.GetOrAdd(after.ToString(), _ => new Lazy<Task<IReadOnlyList<HistoryEntry>>>(() => LoadPageAsync(after)));
        var task = page.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            // A failed read is not shared with the next asker.
            _pages.TryRemove(new KeyValuePair<string, Lazy<Task<IReadOnlyList<HistoryEntry>>>>(after.ToString(), page));
        }

        return task;
    }

    private async Task<IReadOnlyList<HistoryEntry>> LoadPageAsync(HistoryId after)
    {
        var stored = await reader.ReadAsync(after, before: null);
        var entries = new List<HistoryEntry>(stored.Count);
        // A parser of its own: the fan-out's is not thread-safe, and this runs on a resume's thread.
        using var parser = new NotificationParser(options.Value.MaxPayloadBytes, options.Value.MaxQueuedBytes);
        foreach (var notification in stored)
        {
            if (history.OrdinalOf(notification.Id) is not { } ordinal)
            {
                break; // The history changed epoch meanwhile: what follows is of another one.
            }

            if (parser.TryParse(notification.Channel, notification.Payload.Span, notification.Id.Milliseconds, notification.Id, out var parsed, out _))
            {
                entries.Add(new HistoryEntry(ordinal, notification.Id, notification.Channel, parsed.Frame));
            }
        }

        return entries;
    }
}
