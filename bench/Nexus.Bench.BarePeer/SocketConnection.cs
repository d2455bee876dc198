using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Nexus.Bench.BarePeer;

/// <summary>
/// One socket: a receive loop that only waits for the close, and one send loop draining a queue,
/// so nobody else writes to the socket. Deliberately plain: what most people would write first.
/// </summary>
internal sealed class SocketConnection(WebSocket socket)
{
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public void Enqueue(byte[] message) => _outbox.Writer.TryWrite(message);

    public async Task RunAsync(CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var sending = SendLoopAsync(stop.Token);
        await ReceiveLoopAsync(stop.Token);
        _outbox.Writer.TryComplete();
        await stop.CancelAsync();
        try
        {
            await sending;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The socket is gone; nothing left to send to.
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Client went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
        {
            await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }
}
