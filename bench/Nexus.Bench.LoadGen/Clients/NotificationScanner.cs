using System.Buffers.Text;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>
/// Finds every <c>"seq":N,"t":T</c> pair in a received message without parsing the JSON, so the
/// load generator stays cheap. The same scan serves all three wire formats (JSON-RPC notify,
/// SignalR invocations, several SignalR records in one message), since <c>data</c> passes through unchanged.
/// </summary>
internal static class NotificationScanner
{
    public static int Scan(ReadOnlySpan<byte> message, int client, IDeliverySink sink)
    {
        var found = 0;
        while (true)
        {
            var at = message.IndexOf("\"seq\":"u8);
            if (at < 0)
            {
                return found;
            }

            message = message[(at + 6)..];
            if (!Utf8Parser.TryParse(message, out long seq, out var consumed))
            {
                continue;
            }

            message = message[consumed..];
            if (!message.StartsWith(",\"t\":"u8) || !Utf8Parser.TryParse(message[5..], out long sent, out consumed))
            {
                continue;
            }

            message = message[(5 + consumed)..];
            sink.OnDelivery(client, seq, sent);
            found++;
        }
    }
}
