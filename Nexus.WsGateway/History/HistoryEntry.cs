using Nexus.Contracts.History;

namespace Nexus.WsGateway.History;

/// <summary>
/// A durable notification as this gateway keeps it: its id, its channel and its frame, serialised once (the same bytes a
/// live recipient got; empty for a stored payload that was not valid, kept only as a place), and its <see cref="Ordinal"/>,
/// this process's total order over every history it has seen.
/// </summary>
internal sealed record HistoryEntry(long Ordinal, HistoryId Id, string Channel, byte[] Frame);
