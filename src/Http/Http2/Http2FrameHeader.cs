using System.Buffers.Binary;

namespace Uvnet.Http.Http2;

/// <summary>The 9-octet header every frame starts with (RFC 9113 §4.1).</summary>
internal readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, Http2FrameFlags Flags, int StreamId)
{
    /// <summary>The size of a frame header.</summary>
    public const int Size = 9;

    /// <summary>SETTINGS_MAX_FRAME_SIZE's initial value and smallest allowed (RFC 9113 §4.2).</summary>
    public const int DefaultMaxFrameSize = 1 << 14;

    /// <summary>SETTINGS_MAX_FRAME_SIZE's largest allowed value, 2^24-1.</summary>
    public const int MaxAllowedFrameSize = (1 << 24) - 1;

    /// <summary>Whether <paramref name="flag"/> is set.</summary>
    public bool Has(Http2FrameFlags flag) => (Flags & flag) != 0;

    /// <summary>
    /// Reads a frame header from the first 9 octets of <paramref name="source"/>. The reserved bit of the stream
    /// identifier is ignored, as RFC 9113 §4.1 requires.
    /// </summary>
    /// <returns>False when fewer than 9 octets are available.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out Http2FrameHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        int length = (source[0] << 16) | (source[1] << 8) | source[2];
        int streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF);
        header = new Http2FrameHeader(length, (Http2FrameType)source[3], (Http2FrameFlags)source[4], streamId);
        return true;
    }

    /// <summary>Writes the header into the first 9 octets of <paramref name="destination"/>, the reserved bit unset.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Length, MaxAllowedFrameSize);
        ArgumentOutOfRangeException.ThrowIfNegative(StreamId);
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId);
    }
}

/// <summary>Splits whole frames off the octets a connection has read.</summary>
internal static class Http2FrameReader
{
    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/> when its header and whole payload are there.
    /// Check <see cref="Http2FrameParser.CheckFrameSize"/> as soon as the header is readable (before waiting for a
    /// payload that may be larger than any buffer).
    /// </summary>
    /// <returns>False when more octets are needed; <paramref name="header"/> is still set once 9 octets are there.</returns>
    public static bool TryReadFrame(ReadOnlySpan<byte> buffer, out Http2FrameHeader header, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        if (!Http2FrameHeader.TryRead(buffer, out header) || buffer.Length - Http2FrameHeader.Size < header.Length)
        {
            return false;
        }

        payload = buffer.Slice(Http2FrameHeader.Size, header.Length);
        return true;
    }
}
