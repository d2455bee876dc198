namespace Nexus.WsGateway.Connections;

/// <summary>
/// One pass of the fan-out over a backlog of notifications: the sockets written to without a flush, each flushed
/// once when the pass ends. Owned and reused by the single fan-out consumer, so it allocates only while its list
/// grows to the largest recipient count seen.
/// </summary>
internal sealed class WriteBatch
{
    /// <summary>
    /// Bounds of one pass. A socket holds at most the frames of one pass unflushed (<see cref="MaxFrameBytes"/>
    /// plus one frame), and all sockets together about <see cref="MaxTotalBytes"/>; the message count bounds the
    /// latency a batch adds to its first message.
    /// </summary>
    public const int MaxMessages = 32;

    public const int MaxFrameBytes = 64 * 1024;

    public const long MaxTotalBytes = 8 * 1024 * 1024;

    private readonly List<SocketWriter> _open = [];
    private int _messages;
    private long _frameBytes;
    private long _totalBytes;

    /// <summary>True when the pass should end before taking another notification.</summary>
    public bool IsFull => _messages >= MaxMessages || _frameBytes >= MaxFrameBytes || _totalBytes >= MaxTotalBytes;

    /// <summary>Notifications counted in this pass, so far.</summary>
    public int Messages => _messages;

    /// <summary>Sockets written to in this pass, so far.</summary>
    public int OpenWriters => _open.Count;

    public void Opened(SocketWriter writer) => _open.Add(writer);

    /// <summary>Counts one notification of the pass: its frame and how many sockets it was handed to.</summary>
    public void Counted(int frameBytes, int recipients)
    {
        _messages++;
        _frameBytes += frameBytes;
        _totalBytes += (long)frameBytes * recipients;
    }

    /// <summary>Flushes every socket written to in this pass and starts the next pass empty.</summary>
    public void Complete()
    {
        foreach (var writer in _open)
        {
            writer.EndBatch();
        }

        _open.Clear();
        _messages = 0;
        _frameBytes = 0;
        _totalBytes = 0;
    }
}
