using System.Buffers.Text;

namespace Nexus.Bench.LoadGen.Scenarios.Storm;

internal enum StormMessageKind
{
    Other,
    Notification,
    ResumeResult,
    Error,
}

/// <summary>
/// The JSON-RPC messages of a resume (docs/protocol.md sections 4.1 and 4.2), read by a byte scan like
/// <see cref="Clients.NotificationScanner"/>: a <c>notify</c> notification with its <c>params.id</c> and the benchmark's
/// <c>"seq":N,"t":T</c>; the result <c>{"recovered":bool,"replayed":n}</c>; or an error response.
/// </summary>
internal readonly ref struct StormMessage
{
    public StormMessageKind Kind { get; private init; }

    /// <summary>The notification's <c>params.id</c> as it is on the wire (empty when it has none).</summary>
    public ReadOnlySpan<byte> Id { get; private init; }

    public long Seq { get; private init; }

    public long Sent { get; private init; }

    public bool Recovered { get; private init; }

    public long Replayed { get; private init; }

    public static StormMessage Parse(ReadOnlySpan<byte> message)
    {
        if (message.IndexOf("\"method\":\"notify\""u8) >= 0)
        {
            var paramsAt = message.IndexOf("\"params\":{"u8);
            var body = paramsAt < 0 ? message : message[(paramsAt + 10)..];
            var id = ReadOnlySpan<byte>.Empty;
            var idAt = body.IndexOf("\"id\":\""u8);
            if (idAt >= 0)
            {
                var rest = body[(idAt + 6)..];
                var close = rest.IndexOf((byte)'"');
                id = close < 0 ? ReadOnlySpan<byte>.Empty : rest[..close];
            }

            var seqAt = body.IndexOf("\"seq\":"u8);
            if (seqAt < 0 || !Utf8Parser.TryParse(body[(seqAt + 6)..], out long seq, out var consumed))
            {
                return new StormMessage { Kind = StormMessageKind.Other };
            }

            var afterSeq = body[(seqAt + 6 + consumed)..];
            var sent = 0L;
            if (afterSeq.StartsWith(",\"t\":"u8))
            {
                _ = Utf8Parser.TryParse(afterSeq[5..], out sent, out _);
            }

            return new StormMessage { Kind = StormMessageKind.Notification, Id = id, Seq = seq, Sent = sent };
        }

        if (message.IndexOf("\"result\":"u8) >= 0)
        {
            var recoveredAt = message.IndexOf("\"recovered\":"u8);
            var replayedAt = message.IndexOf("\"replayed\":"u8);
            if (recoveredAt < 0 || replayedAt < 0 || !Utf8Parser.TryParse(message[(replayedAt + 11)..], out long replayed, out _))
            {
                return new StormMessage { Kind = StormMessageKind.Other };
            }

            return new StormMessage
            {
                Kind = StormMessageKind.ResumeResult,
                Recovered = message[(recoveredAt + 12)..].StartsWith("true"u8),
                Replayed = replayed,
            };
        }

        return new StormMessage { Kind = message.IndexOf("\"error\":"u8) >= 0 ? StormMessageKind.Error : StormMessageKind.Other };
    }
}

/// <summary>The request a reconnecting client sends as its first message.</summary>
internal static class ResumeWire
{
    private static readonly byte[] Head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"notify.resume\",\"params\":{\"since\":\""u8.ToArray();
    private static readonly byte[] Tail = "\"}}"u8.ToArray();

    /// <summary><paramref name="since"/> is put back as it came on the wire (a JSON string's content, already escaped).</summary>
    public static byte[] Request(ReadOnlySpan<byte> since)
    {
        var request = new byte[Head.Length + since.Length + Tail.Length];
        Head.CopyTo(request, 0);
        since.CopyTo(request.AsSpan(Head.Length));
        Tail.CopyTo(request, Head.Length + since.Length);
        return request;
    }
}
