using System.Text;

namespace Nexus.Bench.LoadGen.Measure;

/// <summary>
/// The ~200-byte notification payload of docs/protocol.md section 1, carrying the sequence number and the
/// publisher's <c>Stopwatch</c> timestamp in <c>data</c>, which every server passes through unchanged.
/// </summary>
internal static class Payload
{
    private static readonly string Pad = new('x', 96);

    public static byte[] Build(long seq, long sentTimestamp, long unixMilliseconds)
        => Encoding.UTF8.GetBytes(
            $"{{\"event\":\"bench.tick\",\"data\":{{\"seq\":{seq},\"t\":{sentTimestamp},\"pad\":\"{Pad}\"}},\"timestamp\":{unixMilliseconds}}}");
}
