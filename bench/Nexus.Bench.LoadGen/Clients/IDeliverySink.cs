namespace Nexus.Bench.LoadGen.Clients;

/// <summary>Receives what a client parsed out of each WebSocket message, on that client's receive loop.</summary>
internal interface IDeliverySink
{
    /// <param name="client">Index of the client.</param>
    /// <param name="seq">Sequence number from the payload; negative for warm-up messages.</param>
    /// <param name="sentTimestamp">The publisher's <c>Stopwatch</c> timestamp.</param>
    void OnDelivery(int client, long seq, long sentTimestamp);

    void OnClosed(int client, string reason);

    /// <summary>
    /// One whole WebSocket message (its fragments put together). By default every <c>"seq":N,"t":T</c> pair in it goes to
    /// <see cref="OnDelivery"/>; the reconnect storm reads the JSON-RPC envelope too (ids, the resume result).
    /// </summary>
    void OnMessage(int client, ReadOnlySpan<byte> message) => NotificationScanner.Scan(message, client, this);
}
