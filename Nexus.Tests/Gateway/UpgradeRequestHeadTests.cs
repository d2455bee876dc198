using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>
/// What the direct upgrade path takes (issue 5): only a strict HTTP/1.1 upgrade head to /ws. Everything else must be
/// left to Kestrel, byte for byte, so the answer (and any error) stays Kestrel's and the endpoint's.
/// </summary>
public sealed class UpgradeRequestHeadTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static readonly UpgradeHeadLimits Kestrel = UpgradeHeadLimits.KestrelDefaults;

    private static ReadOnlySpan<byte> Prefix => "GET /ws"u8;

    /// <summary>Requests and what the parser must say, as <see cref="HeadStatus"/> names (the enum is internal).</summary>
    public static TheoryData<string, string> Heads => new()
    {
        { Upgrade("/ws?user=alice"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws").Replace("Connection: Upgrade", "Connection: keep-alive, Upgrade"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws").Replace("Upgrade: websocket", "Upgrade: WebSocket"), nameof(HeadStatus.Parsed) },
        { "G", nameof(HeadStatus.NeedMoreData) },
        { "GET /ws", nameof(HeadStatus.NeedMoreData) },
        { "GET /ws?user=alice HTTP/1.1\r\nHost: gateway\r\n", nameof(HeadStatus.NeedMoreData) },
        { Upgrade("/ws").Replace("GET", "POST"), nameof(HeadStatus.NotDirect) },
        { "GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n", nameof(HeadStatus.NotDirect) },
        { "GET /", nameof(HeadStatus.NeedMoreData) },
        { "GET /h", nameof(HeadStatus.NotDirect) },
        { Upgrade("/wsx"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws/"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/WS"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace("HTTP/1.1", "HTTP/1.0"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace(" HTTP/1.1", "  HTTP/1.1"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "Content-Length: 5\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "Transfer-Encoding: chunked\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "X-Folded: a\r\n b\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "X-Spaced : a\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "X-Latin: caf\u00e9\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "Host: second\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace("Host: gateway\r\n", ""), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace(Key, "bm90IHNpeHRlZW4gYnl0ZXM="), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace("Upgrade: websocket", "Upgrade: h2c"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws").Replace("Connection: Upgrade", "Connection: keep-alive"), nameof(HeadStatus.NotDirect) },
        { "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003", nameof(HeadStatus.NotDirect) },
        { "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws?a=!~"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws?a b"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws?a=\u007f"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "X-!~: v\r\n"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws", "X-Tilde: ~!\r\n"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws", "X-Tab: a\tb\r\n"), nameof(HeadStatus.Parsed) },
        { Upgrade("/ws", "X-Delete: a\u007fb\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", ": no name\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "X(paren): v\r\n"), nameof(HeadStatus.NotDirect) },
        { Upgrade("/ws", "Content-Length: 0\r\n"), nameof(HeadStatus.Parsed) },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Only_a_strict_upgrade_to_the_path_is_taken(string request, string expectedStatus)
    {
        var expected = Enum.Parse<HeadStatus>(expectedStatus);
        Assert.Equal(expected, UpgradeRequestHead.TryParse(Bytes(request), Prefix, Kestrel, 0, out var head));
        Assert.Equal(expected == HeadStatus.Parsed, head is not null);
    }

    [Fact]
    public void Parsed_head_gives_the_query_the_headers_its_length_and_the_accept_value()
    {
        var request = Upgrade("/ws?user=alice&x=%20", "Origin: http://console\r\nAuthorization: Bearer abc\r\nX-Many: 1\r\nX-Many: 2\r\n");
        var frameAfterHead = new byte[] { 0x81, 0x80, 1, 2, 3, 4 };
        var bytes = Encoding.ASCII.GetBytes(request).Concat(frameAfterHead).ToArray();

        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(new ReadOnlySequence<byte>(bytes), Prefix, Kestrel, 0, out var head));

        Assert.Equal(request.Length, head!.Length);
        Assert.Equal("?user=alice&x=%20", head.QueryString);
        Assert.Equal("http://console", head.Headers["Origin"].ToString());
        Assert.Equal("Bearer abc", head.Headers["Authorization"].ToString());
        Assert.Equal("1,2", head.Headers["X-Many"].ToString());
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head.Accept);
    }

    [Fact]
    public void A_head_split_over_several_buffer_segments_is_parsed_the_same()
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade("/ws?user=alice"));
        var sequence = Segmented(bytes, 7);

        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(sequence, Prefix, Kestrel, 0, out var head));
        Assert.Equal("?user=alice", head!.QueryString);
        Assert.Equal(bytes.Length, head.Length);
    }

    [Fact]
    public void A_head_longer_than_the_limit_is_left_to_Kestrel()
    {
        var huge = Upgrade("/ws", "X-Big: " + new string('a', UpgradeRequestHead.MaxHeadBytes) + "\r\n");
        var unfinished = "GET /ws HTTP/1.1\r\nX-Big: " + new string('a', UpgradeRequestHead.MaxHeadBytes);

        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(huge), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(unfinished), Prefix, Kestrel, 0, out _));
    }

    [Fact]
    public void An_unfinished_head_of_exactly_the_limit_or_past_it_is_left_to_Kestrel_however_much_was_searched()
    {
        var start = "GET /ws HTTP/1.1\r\nX-Big: ";
        var exactly = start + new string('a', UpgradeRequestHead.MaxHeadBytes - start.Length);
        var past = exactly + "aaaa";

        Assert.Equal(UpgradeRequestHead.MaxHeadBytes, exactly.Length);
        Assert.Equal(HeadStatus.NeedMoreData, UpgradeRequestHead.TryParse(Bytes(exactly[..^1]), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(exactly), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(exactly), Prefix, Kestrel, exactly.Length - 1, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(past), Prefix, Kestrel, exactly.Length, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_second_look_after_a_few_bytes_waits_for_the_rest(int searched)
    {
        Assert.Equal(HeadStatus.NeedMoreData, UpgradeRequestHead.TryParse(Bytes("GET /ws HTTP/1.1\r\nHost"), Prefix, Kestrel, searched, out var head));
        Assert.Null(head);
    }

    [Fact]
    public void A_head_of_Kestrels_header_count_is_taken_and_one_more_line_is_left_to_Kestrel()
    {
        // Upgrade() has 5 header lines; Kestrel allows 100 (MaxRequestHeaderCount) and answers 431 past it.
        var hundred = Upgrade("/ws", ExtraHeaders(95));
        var hundredAndOne = Upgrade("/ws", ExtraHeaders(96));

        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(Bytes(hundred), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(hundredAndOne), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(hundred), Prefix, Kestrel with { MaxHeaderCount = 99 }, 0, out _));
    }

    [Fact]
    public void A_request_line_or_headers_over_Kestrels_sizes_are_left_to_Kestrel()
    {
        var request = Upgrade("/ws?user=" + new string('u', 200));
        var requestLineBytes = request.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        var headerBytes = request.Length - requestLineBytes - 2;

        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(Bytes(request), Prefix, Kestrel with { MaxRequestLineBytes = requestLineBytes }, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(request), Prefix, Kestrel with { MaxRequestLineBytes = requestLineBytes - 1 }, 0, out _));
        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(Bytes(request), Prefix, Kestrel with { MaxHeadersBytes = headerBytes + 2 }, 0, out _));
        Assert.Equal(HeadStatus.NotDirect, UpgradeRequestHead.TryParse(Bytes(request), Prefix, Kestrel with { MaxHeadersBytes = headerBytes + 1 }, 0, out _));
    }

    [Fact]
    public void A_head_arriving_byte_by_byte_is_parsed_once_complete_searching_only_the_new_bytes()
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade("/ws?user=trickle"));
        long searched = 0;
        for (var length = 1; length < bytes.Length; length++)
        {
            // Each read adds one byte in its own segment, as a pipe would hand them over.
            var status = UpgradeRequestHead.TryParse(Segmented(bytes.AsSpan(0, length).ToArray(), 1), Prefix, Kestrel, searched, out var partial);
            Assert.Equal(HeadStatus.NeedMoreData, status);
            Assert.Null(partial);
            searched = length;
        }

        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(Segmented(bytes, 1), Prefix, Kestrel, searched, out var head));
        Assert.Equal("?user=trickle", head!.QueryString);
        Assert.Equal(bytes.Length, head.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_blank_line_cut_between_two_reads_is_found(int bytesOfTheBlankLineInTheSecondRead)
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade("/ws"));
        var firstRead = bytes.Length - bytesOfTheBlankLineInTheSecondRead;

        Assert.Equal(HeadStatus.NeedMoreData, UpgradeRequestHead.TryParse(Bytes(Encoding.ASCII.GetString(bytes, 0, firstRead)), Prefix, Kestrel, 0, out _));
        Assert.Equal(HeadStatus.Parsed, UpgradeRequestHead.TryParse(new ReadOnlySequence<byte>(bytes), Prefix, Kestrel, firstRead, out _));
    }

    [Fact]
    public void Accept_value_is_the_one_of_RFC_6455_and_a_bad_key_has_none()
    {
        Assert.True(UpgradeRequestHead.TryComputeAccept(Key, out var accept));
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept);
        Assert.False(UpgradeRequestHead.TryComputeAccept("c2hvcnQ=", out _));
        Assert.False(UpgradeRequestHead.TryComputeAccept(StringValues.Empty, out _));
        Assert.False(UpgradeRequestHead.TryComputeAccept(new StringValues([Key, Key]), out _));
    }

    private static string Upgrade(string target, string extraHeaders = "")
        => $"GET {target} HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";

    private static string ExtraHeaders(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"X-Extra-{i}: {i}\r\n"));

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.Latin1.GetBytes(text));

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentLength)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentLength)
        {
            var segment = new Segment(bytes.AsMemory(offset, Math.Min(segmentLength, bytes.Length - offset)), last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
