namespace Nexus.Bench.LoadGen.Clients;

/// <summary>Receives what a client parsed out of each WebSocket message, on that client's receive loop.</summary>
internal interface IDeliverySink
{
    /// <param name="client">Index of the client.</param>
    /// <param name="seq">Sequence number from the payload; negative for warm-up messages.</param>
    /// <param name="sentTimestamp">The publisher's <c>Stopwatch</c> timestamp.</param>
    void OnDelivery(int client, long seq, long sentTimestamp);

    void OnClosed(int client, string reason);
}
