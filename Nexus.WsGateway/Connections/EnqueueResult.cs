namespace Nexus.WsGateway.Connections;

internal enum EnqueueResult
{
    /// <summary>Written to the socket inline, or queued / handed to the send loop.</summary>
    Accepted,

    /// <summary>Taking it would exceed <c>Gateway:MaxQueuedBytes</c> (or it is larger on its own): the client is closed as slow.</summary>
    Full,

    /// <summary>The socket is closing or gone; nothing is sent any more.</summary>
    Closed,
}
