using Nexus.Contracts.History;

namespace Nexus.WsGateway.History;

/// <summary>
/// Reads of the history (docs/protocol.md section 1.1) that catch-up and resume need: the current epoch, whether an
/// entry is still kept, and pages of entries. Behind our own interface, like the subscriber, so the logic around it can
/// be unit-tested without Redis.
/// </summary>
internal interface IHistoryReader
{
    /// <summary>Entries per page.</summary>
    const int PageSize = 500;

    /// <summary>The epoch of the history Redis holds now; null when it holds none.</summary>
    Task<string?> EpochAsync();

    /// <summary>Whether the entry of <paramref name="id"/> is still kept (then every one after it is too).</summary>
    Task<bool> ContainsAsync(HistoryId id);

    /// <summary>Up to <see cref="PageSize"/> entries after <paramref name="after"/> and before <paramref name="before"/> (both exclusive), oldest first.</summary>
    Task<IReadOnlyList<StoredNotification>> ReadAsync(HistoryId after, HistoryId? before);
}
