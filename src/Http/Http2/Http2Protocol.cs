namespace Uvnet.Http.Http2;

/// <summary>The frame types of RFC 9113 §6 (and §11.2's registry); other values are extensions, ignored.</summary>
internal enum Http2FrameType : byte
{
    /// <summary>DATA (§6.1).</summary>
    Data = 0x0,

    /// <summary>HEADERS (§6.2).</summary>
    Headers = 0x1,

    /// <summary>PRIORITY (§6.3), deprecated: parsed and ignored.</summary>
    Priority = 0x2,

    /// <summary>RST_STREAM (§6.4).</summary>
    RstStream = 0x3,

    /// <summary>SETTINGS (§6.5).</summary>
    Settings = 0x4,

    /// <summary>PUSH_PROMISE (§6.6): a server never accepts one.</summary>
    PushPromise = 0x5,

    /// <summary>PING (§6.7).</summary>
    Ping = 0x6,

    /// <summary>GOAWAY (§6.8).</summary>
    GoAway = 0x7,

    /// <summary>WINDOW_UPDATE (§6.9).</summary>
    WindowUpdate = 0x8,

    /// <summary>CONTINUATION (§6.10).</summary>
    Continuation = 0x9,
}

/// <summary>The frame flags RFC 9113 defines; a flag a frame type does not define is ignored (§4.1).</summary>
[Flags]
internal enum Http2FrameFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>END_STREAM on DATA and HEADERS.</summary>
    EndStream = 0x1,

    /// <summary>ACK on SETTINGS and PING (the same bit as END_STREAM).</summary>
    Ack = 0x1,

    /// <summary>END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.</summary>
    EndHeaders = 0x4,

    /// <summary>PADDED on DATA, HEADERS and PUSH_PROMISE.</summary>
    Padded = 0x8,

    /// <summary>PRIORITY on HEADERS.</summary>
    Priority = 0x20,
}

/// <summary>The error codes of RFC 9113 §7, carried by RST_STREAM and GOAWAY (Node's <c>http2.constants.NGHTTP2_*</c> codes).</summary>
public enum Http2ErrorCode : uint
{
    /// <summary>NO_ERROR: graceful shutdown.</summary>
    NoError = 0x0,

    /// <summary>PROTOCOL_ERROR: an unspecific protocol error.</summary>
    ProtocolError = 0x1,

    /// <summary>INTERNAL_ERROR: an unexpected internal error.</summary>
    InternalError = 0x2,

    /// <summary>FLOW_CONTROL_ERROR: the flow-control protocol was violated.</summary>
    FlowControlError = 0x3,

    /// <summary>SETTINGS_TIMEOUT: SETTINGS was not acknowledged in time.</summary>
    SettingsTimeout = 0x4,

    /// <summary>STREAM_CLOSED: a frame arrived on a half-closed stream.</summary>
    StreamClosed = 0x5,

    /// <summary>FRAME_SIZE_ERROR: a frame had an invalid size.</summary>
    FrameSizeError = 0x6,

    /// <summary>REFUSED_STREAM: the stream was refused before any processing.</summary>
    RefusedStream = 0x7,

    /// <summary>CANCEL: the stream is no longer needed.</summary>
    Cancel = 0x8,

    /// <summary>COMPRESSION_ERROR: the field section compression context cannot be kept.</summary>
    CompressionError = 0x9,

    /// <summary>CONNECT_ERROR: the connection of a CONNECT request failed.</summary>
    ConnectError = 0xA,

    /// <summary>ENHANCE_YOUR_CALM: the peer generates excessive load.</summary>
    EnhanceYourCalm = 0xB,

    /// <summary>INADEQUATE_SECURITY: the TLS properties are inadequate.</summary>
    InadequateSecurity = 0xC,

    /// <summary>HTTP_1_1_REQUIRED: use HTTP/1.1 instead.</summary>
    Http11Required = 0xD,
}

/// <summary>The settings of RFC 9113 §6.5.2 (and RFC 8441's); other identifiers are ignored.</summary>
internal enum Http2SettingId : ushort
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE.</summary>
    HeaderTableSize = 0x1,

    /// <summary>SETTINGS_ENABLE_PUSH: 0 or 1.</summary>
    EnablePush = 0x2,

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS.</summary>
    MaxConcurrentStreams = 0x3,

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: at most 2^31-1.</summary>
    InitialWindowSize = 0x4,

    /// <summary>SETTINGS_MAX_FRAME_SIZE: 2^14 to 2^24-1.</summary>
    MaxFrameSize = 0x5,

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE.</summary>
    MaxHeaderListSize = 0x6,

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3): 0 or 1.</summary>
    EnableConnectProtocol = 0x8,
}

/// <summary>
/// The outcome of checking a frame: nothing wrong, or the error code and whether RFC 9113 makes it a connection
/// error (GOAWAY and close, §5.4.1) or a stream error (RST_STREAM on <see cref="Http2FrameHeader.StreamId"/>, §5.4.2).
/// </summary>
internal readonly record struct Http2Error(Http2ErrorCode Code, bool IsConnectionError)
{
    /// <summary>No error.</summary>
    public static Http2Error None => default;

    /// <summary>Whether there is an error.</summary>
    public bool IsError => Code != Http2ErrorCode.NoError;

    /// <summary>A connection error with <paramref name="code"/>.</summary>
    public static Http2Error Connection(Http2ErrorCode code) => new(code, true);

    /// <summary>A stream error with <paramref name="code"/>.</summary>
    public static Http2Error Stream(Http2ErrorCode code) => new(code, false);
}
