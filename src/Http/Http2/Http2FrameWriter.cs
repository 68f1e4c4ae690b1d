using System.Buffers.Binary;

namespace Uvnet.Http.Http2;

/// <summary>
/// Writes the frames a server sends (RFC 9113 §6) into a caller's buffer. Each method returns the octets written;
/// the buffer must hold them (the <c>Get…Length</c> methods say how many), else an exception leaves it half written.
/// </summary>
internal static class Http2FrameWriter
{
    /// <summary>The octets <see cref="WriteSettings"/> writes for <paramref name="count"/> settings.</summary>
    public static int GetSettingsLength(int count) => Http2FrameHeader.Size + (count * Http2Settings.EntryLength);

    /// <summary>SETTINGS with the given settings, in order (§6.5).</summary>
    public static int WriteSettings(Span<byte> destination, ReadOnlySpan<(Http2SettingId Id, uint Value)> settings)
    {
        foreach ((Http2SettingId id, uint value) in settings)
        {
            if (Http2Settings.Validate(id, value).IsError)
            {
                throw new ArgumentOutOfRangeException(nameof(settings), $"{id} cannot be {value}.");
            }
        }

        int length = settings.Length * Http2Settings.EntryLength;
        new Http2FrameHeader(length, Http2FrameType.Settings, Http2FrameFlags.None, 0).Write(destination);
        Span<byte> payload = destination.Slice(Http2FrameHeader.Size, length);
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload[(i * Http2Settings.EntryLength)..], (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload[((i * Http2Settings.EntryLength) + 2)..], settings[i].Value);
        }

        return Http2FrameHeader.Size + length;
    }

    /// <summary>SETTINGS with ACK and no payload (§6.5.3).</summary>
    public static int WriteSettingsAck(Span<byte> destination)
    {
        new Http2FrameHeader(0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0).Write(destination);
        return Http2FrameHeader.Size;
    }

    /// <summary>The octets <see cref="WriteHeaders"/> writes for a field block of <paramref name="blockLength"/> octets.</summary>
    public static int GetHeadersLength(int blockLength, int maxFrameSize)
    {
        int frames = Math.Max(1, (blockLength + maxFrameSize - 1) / maxFrameSize);
        return (frames * Http2FrameHeader.Size) + blockLength;
    }

    /// <summary>
    /// A field block as one HEADERS frame and as many CONTINUATION frames as the peer's SETTINGS_MAX_FRAME_SIZE
    /// requires (§4.3): END_STREAM on the HEADERS frame when asked, END_HEADERS on the last frame.
    /// </summary>
    public static int WriteHeaders(Span<byte> destination, int streamId, ReadOnlySpan<byte> block, bool endStream, int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, Http2FrameHeader.DefaultMaxFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, Http2FrameHeader.MaxAllowedFrameSize);
        if (destination.Length < GetHeadersLength(block.Length, maxFrameSize))
        {
            throw new ArgumentException("The destination is too small for the frames.", nameof(destination));
        }

        int written = 0;
        Http2FrameType type = Http2FrameType.Headers;
        Http2FrameFlags flags = endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
        do
        {
            int length = Math.Min(block.Length, maxFrameSize);
            if (length == block.Length)
            {
                flags |= Http2FrameFlags.EndHeaders;
            }

            new Http2FrameHeader(length, type, flags, streamId).Write(destination[written..]);
            block[..length].CopyTo(destination[(written + Http2FrameHeader.Size)..]);
            written += Http2FrameHeader.Size + length;
            block = block[length..];
            type = Http2FrameType.Continuation;
            flags = Http2FrameFlags.None;
        }
        while (!block.IsEmpty);

        return written;
    }

    /// <summary>
    /// The header of a DATA frame whose <paramref name="length"/> octets the caller writes (or sends) after it, so a
    /// body need not be copied (§6.1). Unpadded.
    /// </summary>
    public static int WriteDataHeader(Span<byte> destination, int streamId, int length, bool endStream)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        new Http2FrameHeader(length, Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None, streamId).Write(destination);
        return Http2FrameHeader.Size;
    }

    /// <summary>A DATA frame carrying <paramref name="data"/> (at most the peer's SETTINGS_MAX_FRAME_SIZE).</summary>
    public static int WriteData(Span<byte> destination, int streamId, ReadOnlySpan<byte> data, bool endStream)
    {
        int written = WriteDataHeader(destination, streamId, data.Length, endStream);
        data.CopyTo(destination[written..]);
        return written + data.Length;
    }

    /// <summary>WINDOW_UPDATE for a stream, or for the connection with stream 0 (§6.9); the increment is 1 to 2^31-1.</summary>
    public static int WriteWindowUpdate(Span<byte> destination, int streamId, int increment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(increment);
        return WriteUInt32Frame(destination, Http2FrameType.WindowUpdate, streamId, (uint)increment);
    }

    /// <summary>RST_STREAM (§6.4).</summary>
    public static int WriteRstStream(Span<byte> destination, int streamId, Http2ErrorCode code)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        return WriteUInt32Frame(destination, Http2FrameType.RstStream, streamId, (uint)code);
    }

    /// <summary>GOAWAY (§6.8) with the last stream processed, the error code and optional debug data.</summary>
    public static int WriteGoAway(Span<byte> destination, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastStreamId);
        int length = 8 + debugData.Length;
        new Http2FrameHeader(length, Http2FrameType.GoAway, Http2FrameFlags.None, 0).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(Http2FrameHeader.Size + 4)..], (uint)code);
        debugData.CopyTo(destination[(Http2FrameHeader.Size + 8)..]);
        return Http2FrameHeader.Size + length;
    }

    /// <summary>PING with ACK, echoing the 8 opaque octets of the PING received (§6.7).</summary>
    public static int WritePingAck(Span<byte> destination, ReadOnlySpan<byte> opaque) => WritePing(destination, opaque, ack: true);

    /// <summary>PING (§6.7) with its 8 opaque octets: ours (<paramref name="ack"/> false), or the answer to the peer's.</summary>
    public static int WritePing(Span<byte> destination, ReadOnlySpan<byte> opaque, bool ack)
    {
        if (opaque.Length != 8)
        {
            throw new ArgumentException("A PING carries 8 octets.", nameof(opaque));
        }

        new Http2FrameHeader(8, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0).Write(destination);
        opaque.CopyTo(destination[Http2FrameHeader.Size..]);
        return Http2FrameHeader.Size + 8;
    }

    private static int WriteUInt32Frame(Span<byte> destination, Http2FrameType type, int streamId, uint value)
    {
        new Http2FrameHeader(4, type, Http2FrameFlags.None, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], value);
        return Http2FrameHeader.Size + 4;
    }
}
