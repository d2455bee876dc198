namespace Nexus.WsGateway.Connections;

/// <summary>
/// The registry's slots up to its high water, as one fan-out reads them. Empty slots are null; a connection added after
/// the snapshot may or may not be seen by this message (as before it was registered), and a removed one is skipped.
/// </summary>
internal readonly struct RegistrySnapshot(int slots, IClientConnection?[][] segments)
{
    /// <summary>Slots to look at (some empty): the high water of the registry when the snapshot was taken.</summary>
    public int Slots { get; } = slots;

    /// <summary>Slots <paramref name="start"/> up to <paramref name="end"/> (exclusive) of one segment at most.</summary>
    public ReadOnlySpan<IClientConnection?> Range(int start, int end)
        => segments[start / ConnectionRegistry.SegmentSize].AsSpan(start % ConnectionRegistry.SegmentSize, end - start);

    /// <summary>The end of the segment that holds <paramref name="slot"/>, bounded by <paramref name="end"/>.</summary>
    public static int SegmentEnd(int slot, int end) => Math.Min(end, (slot / ConnectionRegistry.SegmentSize + 1) * ConnectionRegistry.SegmentSize);
}
