using System.Buffers.Binary;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>The header of one RFC 6455 frame from the server (section 5.2), read in place.</summary>
internal static class WsFrame
{
    public const byte OpContinuation = 0x0, OpText = 0x1, OpBinary = 0x2, OpClose = 0x8, OpPing = 0x9, OpPong = 0xA;

    /// <summary>Larger frames are taken for a broken stream: nothing the servers under test send comes near.</summary>
    public const long MaxPayload = 64 * 1024 * 1024;

    /// <summary>
    /// True when <paramref name="available"/> starts with a whole frame: then <paramref name="headerLength"/> +
    /// <paramref name="payloadLength"/> bytes are that frame. False when more bytes are needed.
    /// </summary>
    /// <exception cref="InvalidDataException">A masked frame (servers never mask, section 5.1) or an absurd length.</exception>
    public static bool TryParse(ReadOnlySpan<byte> available, out bool fin, out byte opcode, out int headerLength, out int payloadLength)
    {
        fin = false;
        opcode = 0;
        headerLength = payloadLength = 0;
        if (available.Length < 2)
        {
            return false;
        }

        if ((available[1] & 0x80) != 0)
        {
            throw new InvalidDataException("the server sent a masked frame");
        }

        long length = available[1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (available.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(available[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (available.Length < 10)
            {
                return false;
            }

            var wide = BinaryPrimitives.ReadUInt64BigEndian(available[2..]);
            length = wide > MaxPayload ? MaxPayload + 1 : (long)wide;
            header = 10;
        }

        if (length > MaxPayload)
        {
            throw new InvalidDataException($"frame of more than {MaxPayload} bytes");
        }

        if (available.Length < header + length)
        {
            return false;
        }

        fin = (available[0] & 0x80) != 0;
        opcode = (byte)(available[0] & 0x0F);
        headerLength = header;
        payloadLength = (int)length;
        return true;
    }

    /// <summary>A masked client frame (section 5.3) of up to 65,535 bytes, as one array ready to send.</summary>
    public static byte[] Masked(byte opcode, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ushort.MaxValue)
        {
            throw new ArgumentException("frames of at most 65,535 bytes", nameof(payload));
        }

        var header = payload.Length <= 125 ? 2 : 4;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 2)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }

        var mask = frame.AsSpan(header, 4);
        Random.Shared.NextBytes(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header + 4 + i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return frame;
    }
}
