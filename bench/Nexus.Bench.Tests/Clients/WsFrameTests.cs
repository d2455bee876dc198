using System.Buffers.Binary;
using Nexus.Bench.LoadGen.Clients;

namespace Nexus.Bench.Tests.Clients;

/// <summary>The client's in-place frame reader (RFC 6455 section 5.2) and the masked frames it sends (section 5.3).</summary>
public sealed class WsFrameTests
{
    [Fact]
    public void A_short_frame_is_read_with_its_two_byte_header()
    {
        byte[] frame = [0x81, 3, (byte)'a', (byte)'b', (byte)'c', 0xFF];

        Assert.True(WsFrame.TryParse(frame, out var fin, out var opcode, out var header, out var length));

        Assert.True(fin);
        Assert.Equal(WsFrame.OpText, opcode);
        Assert.Equal(2, header);
        Assert.Equal(3, length);
    }

    [Fact]
    public void Sixteen_and_sixty_four_bit_lengths_are_read()
    {
        var medium = new byte[4 + 300];
        medium[0] = 0x01; // text, not final
        medium[1] = 126;
        BinaryPrimitives.WriteUInt16BigEndian(medium.AsSpan(2), 300);
        var large = new byte[10 + 70_000];
        large[0] = 0x80; // continuation, final
        large[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(large.AsSpan(2), 70_000);

        Assert.True(WsFrame.TryParse(medium, out var fin, out var opcode, out var header, out var length));
        Assert.Equal((false, WsFrame.OpText, 4, 300), (fin, opcode, header, length));
        Assert.True(WsFrame.TryParse(large, out fin, out opcode, out header, out length));
        Assert.Equal((true, WsFrame.OpContinuation, 10, 70_000), (fin, opcode, header, length));
    }

    [Fact]
    public void A_frame_not_yet_whole_is_not_taken_at_any_cut()
    {
        var frame = new byte[4 + 200];
        frame[0] = 0x81;
        frame[1] = 126;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 200);

        for (var cut = 0; cut < frame.Length; cut++)
        {
            Assert.False(WsFrame.TryParse(frame.AsSpan(0, cut), out _, out _, out _, out _), $"taken with {cut} of {frame.Length} bytes");
        }

        Assert.True(WsFrame.TryParse(frame, out _, out _, out _, out _));
    }

    [Fact]
    public void A_masked_or_absurdly_long_server_frame_is_refused()
    {
        byte[] masked = [0x81, 0x80 | 1, 1, 2, 3, 4, (byte)'x'];
        var huge = new byte[10];
        huge[0] = 0x82;
        huge[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(huge.AsSpan(2), ulong.MaxValue);

        Assert.Throws<InvalidDataException>(() => WsFrame.TryParse(masked, out _, out _, out _, out _));
        Assert.Throws<InvalidDataException>(() => WsFrame.TryParse(huge, out _, out _, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(1000)]
    public void A_masked_client_frame_unmasks_to_its_payload(int size)
    {
        var payload = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();

        var frame = WsFrame.Masked(WsFrame.OpText, payload);

        Assert.Equal(0x81, frame[0]);
        Assert.Equal(0x80, frame[1] & 0x80);
        var header = size <= 125 ? 2 : 4;
        var length = size <= 125 ? frame[1] & 0x7F : BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2));
        Assert.Equal(size, length);
        Assert.Equal(header + 4 + size, frame.Length);
        var mask = frame.AsSpan(header, 4).ToArray();
        var unmasked = frame.Skip(header + 4).Select((b, i) => (byte)(b ^ mask[i & 3])).ToArray();
        Assert.Equal(payload, unmasked);
    }
}
