using System.Buffers.Binary;

namespace Uvnet.Http.Http2;

/// <summary>
/// One side's settings (RFC 9113 §6.5.2), starting at their initial values; <see cref="TryApply"/> takes a SETTINGS
/// payload after checking every value in it.
/// </summary>
internal struct Http2Settings
{
    /// <summary>The size of one setting in a SETTINGS payload: a 16-bit identifier and a 32-bit value.</summary>
    public const int EntryLength = 6;

    /// <summary>The largest flow-control window, 2^31-1 (§6.9.1).</summary>
    public const uint MaxWindowSize = int.MaxValue;

    /// <summary>The initial flow-control window of every stream and of the connection (§6.9.2).</summary>
    public const int DefaultInitialWindowSize = 65_535;

    /// <summary>Creates settings at their initial values.</summary>
    public Http2Settings()
    {
    }

    /// <summary>SETTINGS_HEADER_TABLE_SIZE; initially 4096.</summary>
    public uint HeaderTableSize { get; private set; } = HpackDecoder.DefaultHeaderTableSize;

    /// <summary>SETTINGS_ENABLE_PUSH; initially true.</summary>
    public bool EnablePush { get; private set; } = true;

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS; initially unlimited.</summary>
    public uint MaxConcurrentStreams { get; private set; } = uint.MaxValue;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE; initially 65,535.</summary>
    public uint InitialWindowSize { get; private set; } = DefaultInitialWindowSize;

    /// <summary>SETTINGS_MAX_FRAME_SIZE; initially 16,384.</summary>
    public uint MaxFrameSize { get; private set; } = Http2FrameHeader.DefaultMaxFrameSize;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE; initially unlimited.</summary>
    public uint MaxHeaderListSize { get; private set; } = uint.MaxValue;

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441); initially false.</summary>
    public bool EnableConnectProtocol { get; private set; }

    /// <summary>
    /// Checks every value of a SETTINGS payload (whose shape <see cref="Http2FrameParser.ParseSettings"/> checked),
    /// then applies them in order; unknown identifiers are ignored (§6.5.2). Nothing changes when a value is invalid.
    /// </summary>
    /// <returns>
    /// A connection error for an invalid value: ENABLE_PUSH (or ENABLE_CONNECT_PROTOCOL) other than 0 or 1 and
    /// MAX_FRAME_SIZE outside 2^14..2^24-1 are PROTOCOL_ERROR, INITIAL_WINDOW_SIZE above 2^31-1 FLOW_CONTROL_ERROR.
    /// </returns>
    public Http2Error TryApply(ReadOnlySpan<byte> payload)
    {
        for (int i = 0; i + EntryLength <= payload.Length; i += EntryLength)
        {
            Http2Error error = Validate(ReadId(payload[i..]), ReadValue(payload[i..]));
            if (error.IsError)
            {
                return error;
            }
        }

        for (int i = 0; i + EntryLength <= payload.Length; i += EntryLength)
        {
            uint value = ReadValue(payload[i..]);
            switch (ReadId(payload[i..]))
            {
                case Http2SettingId.HeaderTableSize: HeaderTableSize = value; break;
                case Http2SettingId.EnablePush: EnablePush = value == 1; break;
                case Http2SettingId.MaxConcurrentStreams: MaxConcurrentStreams = value; break;
                case Http2SettingId.InitialWindowSize: InitialWindowSize = value; break;
                case Http2SettingId.MaxFrameSize: MaxFrameSize = value; break;
                case Http2SettingId.MaxHeaderListSize: MaxHeaderListSize = value; break;
                case Http2SettingId.EnableConnectProtocol: EnableConnectProtocol = value == 1; break;
            }
        }

        return Http2Error.None;
    }

    /// <summary>The rule of §6.5.2 for one setting's value.</summary>
    public static Http2Error Validate(Http2SettingId id, uint value) => id switch
    {
        Http2SettingId.EnablePush or Http2SettingId.EnableConnectProtocol when value > 1
            => Http2Error.Connection(Http2ErrorCode.ProtocolError),
        Http2SettingId.InitialWindowSize when value > MaxWindowSize
            => Http2Error.Connection(Http2ErrorCode.FlowControlError),
        Http2SettingId.MaxFrameSize when value is < Http2FrameHeader.DefaultMaxFrameSize or > Http2FrameHeader.MaxAllowedFrameSize
            => Http2Error.Connection(Http2ErrorCode.ProtocolError),
        _ => Http2Error.None,
    };

    private static Http2SettingId ReadId(ReadOnlySpan<byte> entry) => (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(entry);

    private static uint ReadValue(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadUInt32BigEndian(entry[2..]);
}
