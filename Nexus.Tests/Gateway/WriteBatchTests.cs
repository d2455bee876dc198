using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The bounds of one fan-out pass over a backlog (<see cref="WriteBatch"/>): it ends at 32 notifications, at 64 KiB of
/// frames, or at 8 MiB handed to sockets in all, whichever comes first, and starts the next pass empty.
/// </summary>
public sealed class WriteBatchTests
{
    [Fact]
    public void A_pass_is_full_at_its_message_count_and_not_one_before()
    {
        var batch = new WriteBatch();
        for (var i = 0; i < WriteBatch.MaxMessages - 1; i++)
        {
            batch.Counted(frameBytes: 10, recipients: 1);
        }

        Assert.False(batch.IsFull);
        Assert.Equal(WriteBatch.MaxMessages - 1, batch.Messages);
        batch.Counted(frameBytes: 10, recipients: 1);
        Assert.True(batch.IsFull);
    }

    [Fact]
    public void A_pass_is_full_at_its_frame_bytes_and_not_one_byte_before()
    {
        var batch = new WriteBatch();
        batch.Counted(frameBytes: WriteBatch.MaxFrameBytes - 1, recipients: 1);
        Assert.False(batch.IsFull);
        batch.Counted(frameBytes: 1, recipients: 1);
        Assert.True(batch.IsFull);
    }

    [Fact]
    public void A_pass_is_full_at_its_total_bytes_over_every_recipient()
    {
        var batch = new WriteBatch();
        var recipients = (int)(WriteBatch.MaxTotalBytes / 1024);
        batch.Counted(frameBytes: 1024, recipients: recipients - 1);
        Assert.False(batch.IsFull);
        batch.Counted(frameBytes: 1024, recipients: 1);
        Assert.True(batch.IsFull);
    }

    [Fact]
    public void Complete_starts_the_next_pass_empty()
    {
        var batch = new WriteBatch();
        var toClient = new System.IO.Pipelines.Pipe();
        var transport = new BatchingTransport(new System.IO.Pipelines.Pipe().Reader, toClient.Writer);
        using var socket = System.Net.WebSockets.WebSocket.CreateFromStream(transport, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var writer = new SocketWriter(socket, 1024, transport);
        Assert.Equal(EnqueueResult.Accepted, writer.TryEnqueue("x"u8.ToArray(), batch));
        Assert.Equal(1, batch.OpenWriters);
        for (var i = 0; i < WriteBatch.MaxMessages; i++)
        {
            batch.Counted(frameBytes: 100, recipients: 3);
        }

        batch.Complete();

        Assert.True(toClient.Reader.TryRead(out _), "the pass's frames were flushed");

        Assert.False(batch.IsFull);
        Assert.Equal(0, batch.Messages);
        Assert.Equal(0, batch.OpenWriters);
        batch.Counted(frameBytes: WriteBatch.MaxFrameBytes - 1, recipients: 1);
        Assert.False(batch.IsFull);
    }
}
