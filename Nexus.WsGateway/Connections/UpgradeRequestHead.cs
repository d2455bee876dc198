using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Nexus.WsGateway.Connections;

internal enum HeadStatus
{
    /// <summary>What arrived so far could be such a request; read more.</summary>
    NeedMoreData,

    /// <summary>Not a request the direct path takes: leave every byte to Kestrel.</summary>
    NotDirect,

    Parsed,
}

/// <summary>
/// The head of an HTTP/1.1 WebSocket upgrade to one path, parsed from the connection's bytes for
/// <see cref="DirectUpgradeMiddleware"/>. Strict on purpose: whatever it does not fully understand (another method
/// or path, HTTP/1.0, a body, obsolete line folding, non-ASCII, a bad key) or that is over one of Kestrel's limits
/// (<see cref="UpgradeHeadLimits"/>) is left to Kestrel, whose answer stays the reference.
/// </summary>
internal sealed class UpgradeRequestHead
{
    /// <summary>A longer head goes to Kestrel, which applies its own limits and answers 431.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> VersionSuffix => " HTTP/1.1"u8;

    private static ReadOnlySpan<byte> Rfc6455Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    private UpgradeRequestHead(int length, string queryString, HeaderDictionary headers, string accept)
    {
        Length = length;
        QueryString = queryString;
        Headers = headers;
        Accept = accept;
    }

    /// <summary>Bytes of the head, the blank line included: what the direct path consumes.</summary>
    public int Length { get; }

    /// <summary>Empty, or the raw query starting with <c>?</c>.</summary>
    public string QueryString { get; }

    public HeaderDictionary Headers { get; }

    /// <summary>The <c>Sec-WebSocket-Accept</c> answer to the request's key (RFC 6455 section 4.2.2).</summary>
    public string Accept { get; }

    /// <param name="buffer">The connection's bytes so far.</param>
    /// <param name="requestLinePrefix">ASCII <c>GET </c> followed by the path, e.g. <c>GET /ws</c>.</param>
    /// <param name="limits">Kestrel's limits; a head over one is not taken.</param>
    /// <param name="searched">
    /// How many bytes of <paramref name="buffer"/> an earlier call saw and answered <see cref="HeadStatus.NeedMoreData"/>
    /// for (0 the first time). Only the bytes after them are searched for the end of the head, so a head that trickles
    /// in byte by byte costs linear, not quadratic, time.
    /// </param>
    /// <param name="head">The parsed head when <see cref="HeadStatus.Parsed"/>.</param>
    public static HeadStatus TryParse(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> requestLinePrefix, in UpgradeHeadLimits limits, long searched, out UpgradeRequestHead? head)
    {
        head = null;
        Span<byte> start = stackalloc byte[requestLinePrefix.Length + 1];
        var available = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, available).CopyTo(start);
        if (!requestLinePrefix.StartsWith(start[..Math.Min(available, requestLinePrefix.Length)]))
        {
            return HeadStatus.NotDirect;
        }

        if (available < start.Length)
        {
            return HeadStatus.NeedMoreData;
        }

        if (start[^1] is not ((byte)' ' or (byte)'?'))
        {
            return HeadStatus.NotDirect;
        }

        var atLimit = buffer.Length >= MaxHeadBytes;
        if (!atLimit && searched > 0 && !ContainsHeadEnd(buffer, searched))
        {
            return HeadStatus.NeedMoreData;
        }

        var candidate = atLimit ? buffer.Slice(0, MaxHeadBytes) : buffer;
        if (candidate.IsSingleSegment)
        {
            return Parse(candidate.FirstSpan, requestLinePrefix.Length, atLimit, limits, out head);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)candidate.Length);
        try
        {
            candidate.CopyTo(copy);
            return Parse(copy.AsSpan(0, (int)candidate.Length), requestLinePrefix.Length, atLimit, limits, out head);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Whether the bytes after the first <paramref name="searched"/> complete the blank line that ends a head.</summary>
    private static bool ContainsHeadEnd(in ReadOnlySequence<byte> buffer, long searched)
    {
        // Back by three: the blank line may have been cut between two reads.
        var reader = new SequenceReader<byte>(buffer.Slice(Math.Max(0, searched - (HeadEnd.Length - 1))));
        return reader.TryReadTo(out ReadOnlySequence<byte> _, HeadEnd, advancePastDelimiter: false);
    }

    private static HeadStatus Parse(ReadOnlySpan<byte> bytes, int pathEnd, bool atLimit, in UpgradeHeadLimits limits, out UpgradeRequestHead? head)
    {
        head = null;
        var end = bytes.IndexOf(HeadEnd);
        if (end < 0)
        {
            return atLimit ? HeadStatus.NotDirect : HeadStatus.NeedMoreData;
        }

        var lines = bytes[..(end + 2)];
        var lineEnd = lines.IndexOf("\r\n"u8);
        var requestLine = lines[..lineEnd];
        // Kestrel's sizes: the request line with its CRLF, and the header lines with theirs (counted here with the
        // final CRLF too, two bytes stricter than Kestrel: at the boundary the head goes to Kestrel, never wrongly).
        if (requestLine.Length < pathEnd + VersionSuffix.Length || !requestLine.EndsWith(VersionSuffix)
            || lineEnd + 2 > limits.MaxRequestLineBytes
            || lines.Length - (lineEnd + 2) + 2 > limits.MaxHeadersBytes)
        {
            return HeadStatus.NotDirect;
        }

        var query = requestLine[pathEnd..^VersionSuffix.Length];
        if (!IsVisibleAscii(query) || (query.Length > 0 && query[0] != (byte)'?'))
        {
            return HeadStatus.NotDirect;
        }

        var headers = new HeaderDictionary();
        var headerCount = 0;
        lines = lines[(lineEnd + 2)..];
        while (!lines.IsEmpty)
        {
            lineEnd = lines.IndexOf("\r\n"u8);
            // Kestrel counts every header line, repeated names included (MaxRequestHeaderCount: 431 past it).
            if (++headerCount > limits.MaxHeaderCount || !TryAddHeader(lines[..lineEnd], headers))
            {
                return HeadStatus.NotDirect;
            }

            lines = lines[(lineEnd + 2)..];
        }

        if (!IsUpgrade(headers) || !TryComputeAccept(headers[HeaderNames.SecWebSocketKey], out var accept))
        {
            return HeadStatus.NotDirect;
        }

        head = new UpgradeRequestHead(end + HeadEnd.Length, Encoding.ASCII.GetString(query), headers, accept);
        return HeadStatus.Parsed;
    }

    private static bool TryAddHeader(ReadOnlySpan<byte> line, HeaderDictionary headers)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            // Also obsolete line folding (a line starting with whitespace) and "Name : value".
            return false;
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            if (b is < 0x20 or > 0x7E && b != (byte)'\t')
            {
                return false;
            }
        }

        var name = Encoding.ASCII.GetString(line[..colon]);
        headers[name] = StringValues.Concat(headers[name], Encoding.ASCII.GetString(value));
        return true;
    }

    /// <summary>RFC 6455 section 4.2.1, and nothing a plain GET upgrade should not carry (a body).</summary>
    private static bool IsUpgrade(HeaderDictionary headers)
        => headers[HeaderNames.Host].Count == 1
            && headers[HeaderNames.TransferEncoding].Count == 0
            && headers[HeaderNames.ContentLength] is { Count: 0 } or ["0"]
            && ContainsToken(headers[HeaderNames.Upgrade], "websocket")
            && ContainsToken(headers[HeaderNames.Connection], "upgrade")
            && headers[HeaderNames.SecWebSocketVersion] is ["13"];

    private static bool ContainsToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            foreach (var part in value!.Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Base64 of SHA-1 over the key and the protocol's GUID; the key must be 16 bytes in base64.</summary>
    internal static bool TryComputeAccept(StringValues keys, out string accept)
    {
        accept = "";
        Span<byte> decoded = stackalloc byte[18];
        if (keys is not [{ Length: 24 } key] || !Convert.TryFromBase64String(key, decoded, out var length) || length != 16)
        {
            return false;
        }

        Span<byte> input = stackalloc byte[24 + 36];
        Encoding.ASCII.GetBytes(key, input);
        Rfc6455Guid.CopyTo(input[24..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 6455 defines the accept value with SHA-1; it proves a WebSocket handshake, nothing more.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        accept = Convert.ToBase64String(hash);
        return true;
    }

    private static bool IsVisibleAscii(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsToken(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is < 0x21 or > 0x7E || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }
}
