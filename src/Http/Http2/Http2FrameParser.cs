using System.Buffers.Binary;

namespace Uvnet.Http.Http2;

/// <summary>
/// Checks and takes apart the payload of each frame type a server receives (RFC 9113 §6), each rule with the error
/// RFC 9113 gives it. The checks here need only the frame; stream states, flow-control windows and frame order
/// are the connection's (see <see cref="Http2FrameSequence"/> for the order rules that need no stream state).
/// </summary>
internal static class Http2FrameParser
{
    private const int PriorityFieldsLength = 5;
    private const int RstStreamLength = 4;
    private const int PingLength = 8;
    private const int GoAwayMinLength = 8;
    private const int WindowUpdateLength = 4;

    /// <summary>
    /// The size rule of RFC 9113 §4.2: a frame longer than our SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR, a
    /// connection error when the frame could change the whole connection's state (a field block: HEADERS,
    /// PUSH_PROMISE, CONTINUATION; SETTINGS; anything on stream 0), else a stream error.
    /// </summary>
    public static Http2Error CheckFrameSize(in Http2FrameHeader header, int maxFrameSize)
    {
        if (header.Length <= maxFrameSize)
        {
            return Http2Error.None;
        }

        bool connection = header.StreamId == 0 || header.Type is Http2FrameType.Headers or Http2FrameType.PushPromise
            or Http2FrameType.Continuation or Http2FrameType.Settings;
        return new Http2Error(Http2ErrorCode.FrameSizeError, connection);
    }

    /// <summary>DATA (§6.1): the data without padding.</summary>
    public static Http2Error ParseData(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        return RemovePadding(header, payload, 0, out data);
    }

    /// <summary>HEADERS (§6.2): the field block fragment, and the deprecated priority fields when present.</summary>
    public static Http2Error ParseHeaders(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2HeadersPayload headers)
    {
        headers = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        bool priority = header.Has(Http2FrameFlags.Priority);
        Http2Error error = RemovePadding(header, payload, priority ? PriorityFieldsLength : 0, out ReadOnlySpan<byte> content);
        if (error.IsError)
        {
            return error;
        }

        if (!priority)
        {
            headers = new Http2HeadersPayload(content, false, false, 0, 0);
            return Http2Error.None;
        }

        uint dependency = BinaryPrimitives.ReadUInt32BigEndian(content);
        headers = new Http2HeadersPayload(
            content[PriorityFieldsLength..], true, (dependency & 0x8000_0000) != 0, (int)(dependency & 0x7FFF_FFFF), content[4]);

        // §5.3.1 (kept in RFC 9113's description of the fields): a stream cannot depend on itself.
        return headers.StreamDependency == header.StreamId ? Http2Error.Stream(Http2ErrorCode.ProtocolError) : Http2Error.None;
    }

    /// <summary>PRIORITY (§6.3): checked, then ignored (RFC 9113 deprecates the scheme).</summary>
    public static Http2Error ParsePriority(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (payload.Length != PriorityFieldsLength)
        {
            return Http2Error.Stream(Http2ErrorCode.FrameSizeError);
        }

        int dependency = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        return dependency == header.StreamId ? Http2Error.Stream(Http2ErrorCode.ProtocolError) : Http2Error.None;
    }

    /// <summary>RST_STREAM (§6.4): the error code.</summary>
    public static Http2Error ParseRstStream(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out Http2ErrorCode code)
    {
        code = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (payload.Length != RstStreamLength)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError);
        }

        code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
        return Http2Error.None;
    }

    /// <summary>
    /// SETTINGS (§6.5): the frame's shape; the values are checked by <see cref="Http2Settings.TryApply"/>. An ACK
    /// carries nothing.
    /// </summary>
    public static Http2Error ParseSettings(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (header.Has(Http2FrameFlags.Ack) ? payload.Length != 0 : payload.Length % Http2Settings.EntryLength != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError);
        }

        return Http2Error.None;
    }

    /// <summary>
    /// PUSH_PROMISE (§6.6) received by a server: always a connection error of type PROTOCOL_ERROR, since a client
    /// cannot push (§8.4) and a server advertises SETTINGS_ENABLE_PUSH 0 anyway.
    /// </summary>
    public static Http2Error ParsePushPromise(in Http2FrameHeader header) => Http2Error.Connection(Http2ErrorCode.ProtocolError);

    /// <summary>PING (§6.7): the 8 opaque octets to echo.</summary>
    public static Http2Error ParsePing(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> opaque)
    {
        opaque = default;
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (payload.Length != PingLength)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError);
        }

        opaque = payload;
        return Http2Error.None;
    }

    /// <summary>GOAWAY (§6.8): the last stream identifier, the error code and the debug data.</summary>
    public static Http2Error ParseGoAway(
        in Http2FrameHeader header, ReadOnlySpan<byte> payload, out int lastStreamId, out Http2ErrorCode code, out ReadOnlySpan<byte> debugData)
    {
        lastStreamId = 0;
        code = default;
        debugData = default;
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (payload.Length < GoAwayMinLength)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError);
        }

        lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        debugData = payload[GoAwayMinLength..];
        return Http2Error.None;
    }

    /// <summary>
    /// WINDOW_UPDATE (§6.9): the increment (1 to 2^31-1). A zero increment is a PROTOCOL_ERROR, a stream error on a
    /// stream and a connection error on stream 0.
    /// </summary>
    public static Http2Error ParseWindowUpdate(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out int increment)
    {
        increment = 0;
        if (payload.Length != WindowUpdateLength)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError);
        }

        increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        if (increment == 0)
        {
            return new Http2Error(Http2ErrorCode.ProtocolError, header.StreamId == 0);
        }

        return Http2Error.None;
    }

    /// <summary>CONTINUATION (§6.10): the field block fragment. Whether one may come here is <see cref="Http2FrameSequence"/>'s.</summary>
    public static Http2Error ParseContinuation(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> fragment)
    {
        fragment = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        fragment = payload;
        return Http2Error.None;
    }

    /// <summary>
    /// Strips the Pad Length field and the padding of a PADDED frame. A frame too short for its Pad Length (and the
    /// <paramref name="fixedFields"/> that follow it) is a FRAME_SIZE_ERROR (§4.2), a connection error for a field
    /// block; padding as long as what remains, or longer, is a connection error of type PROTOCOL_ERROR (§6.1, §6.2).
    /// </summary>
    private static Http2Error RemovePadding(in Http2FrameHeader header, ReadOnlySpan<byte> payload, int fixedFields, out ReadOnlySpan<byte> content)
    {
        content = default;
        bool fieldBlock = header.Type != Http2FrameType.Data;
        if (!header.Has(Http2FrameFlags.Padded))
        {
            if (payload.Length < fixedFields)
            {
                return new Http2Error(Http2ErrorCode.FrameSizeError, fieldBlock);
            }

            content = payload;
            return Http2Error.None;
        }

        if (payload.Length < 1 + fixedFields)
        {
            return new Http2Error(Http2ErrorCode.FrameSizeError, fieldBlock);
        }

        int padLength = payload[0];
        if (padLength >= payload.Length - fixedFields)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        content = payload[1..^padLength];
        return Http2Error.None;
    }
}

/// <summary>The parts of a HEADERS frame's payload.</summary>
/// <param name="Fragment">The field block fragment, padding removed.</param>
/// <param name="HasPriority">Whether the PRIORITY flag brought the fields below (parsed, then ignored).</param>
/// <param name="Exclusive">The deprecated exclusive bit.</param>
/// <param name="StreamDependency">The deprecated stream dependency.</param>
/// <param name="Weight">The deprecated weight, minus one.</param>
internal readonly ref struct Http2HeadersPayload(ReadOnlySpan<byte> Fragment, bool HasPriority, bool Exclusive, int StreamDependency, byte Weight)
{
    /// <summary>The field block fragment, padding and priority fields removed.</summary>
    public ReadOnlySpan<byte> Fragment { get; } = Fragment;

    /// <summary>Whether the PRIORITY flag brought the fields below.</summary>
    public bool HasPriority { get; } = HasPriority;

    /// <summary>The deprecated exclusive bit.</summary>
    public bool Exclusive { get; } = Exclusive;

    /// <summary>The deprecated stream dependency.</summary>
    public int StreamDependency { get; } = StreamDependency;

    /// <summary>The deprecated weight, minus one.</summary>
    public byte Weight { get; } = Weight;
}
