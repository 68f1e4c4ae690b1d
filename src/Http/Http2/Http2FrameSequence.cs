namespace Uvnet.Http.Http2;

/// <summary>
/// The frame order rules a server checks on each frame header before its payload, with no stream state: the
/// client's first frame is SETTINGS (§3.4), a field block's CONTINUATION frames follow it with nothing between
/// (§4.3, §6.10), and a field block may not grow without bound (the CONTINUATION flood of CVE-2024-27316).
/// </summary>
internal struct Http2FrameSequence
{
    /// <summary>
    /// The default bound on a field block's frames' payloads together: twice the default header list size, since
    /// HPACK with literals can take a little more than the fields it carries, plus the padding a frame may add.
    /// </summary>
    public const int DefaultMaxFieldBlockSize = 2 * HpackDecoder.DefaultMaxHeaderListSize;

    private readonly int _maxFieldBlockSize;
    private readonly int _maxContinuationFrames;
    private int _continuationFrames;

    /// <summary>The default bound on a field block's CONTINUATION frames (nghttp2 allows 8; a little more room here).</summary>
    public const int DefaultMaxContinuationFrames = 32;

    /// <summary>Creates the sequence for a new connection, whose preface has been read, with the default bounds.</summary>
    public Http2FrameSequence()
        : this(DefaultMaxFieldBlockSize, DefaultMaxContinuationFrames)
    {
    }

    /// <summary>Creates the sequence for a new connection, whose preface has been read.</summary>
    /// <param name="maxFieldBlockSize">The most payload octets one field block's HEADERS and CONTINUATION frames may carry together.</param>
    /// <param name="maxContinuationFrames">
    /// The most CONTINUATION frames one field block may have: empty ones carry no octets, so only a count bounds them.
    /// </param>
    public Http2FrameSequence(int maxFieldBlockSize, int maxContinuationFrames = DefaultMaxContinuationFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFieldBlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(maxContinuationFrames);
        _maxFieldBlockSize = maxFieldBlockSize;
        _maxContinuationFrames = maxContinuationFrames;
    }

    /// <summary>Whether the client's first SETTINGS frame came.</summary>
    public bool SettingsReceived { get; private set; }

    /// <summary>The stream whose field block awaits CONTINUATION frames, or 0.</summary>
    public int OpenFieldBlockStreamId { get; private set; }

    /// <summary>The payload octets of the open field block's frames so far.</summary>
    public int FieldBlockLength { get; private set; }

    /// <summary>
    /// Checks one frame header against the order, and records it. Every error here is a connection error: a
    /// frame out of order is PROTOCOL_ERROR, a field block past the bounds ENHANCE_YOUR_CALM.
    /// </summary>
    public Http2Error OnFrame(in Http2FrameHeader header)
    {
        if (!SettingsReceived)
        {
            if (header.Type != Http2FrameType.Settings || header.Has(Http2FrameFlags.Ack))
            {
                return Http2Error.Connection(Http2ErrorCode.ProtocolError);
            }

            SettingsReceived = true;
            return Http2Error.None;
        }

        if (OpenFieldBlockStreamId != 0)
        {
            if (header.Type != Http2FrameType.Continuation || header.StreamId != OpenFieldBlockStreamId)
            {
                return Http2Error.Connection(Http2ErrorCode.ProtocolError);
            }

            if (++_continuationFrames > _maxContinuationFrames || header.Length > _maxFieldBlockSize - FieldBlockLength)
            {
                return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
            }

            FieldBlockLength += header.Length;
            if (header.Has(Http2FrameFlags.EndHeaders))
            {
                OpenFieldBlockStreamId = 0;
            }

            return Http2Error.None;
        }

        if (header.Type == Http2FrameType.Continuation)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        }

        if (header.Type == Http2FrameType.Headers)
        {
            if (header.Length > _maxFieldBlockSize)
            {
                return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
            }

            FieldBlockLength = header.Length;
            _continuationFrames = 0;
            if (!header.Has(Http2FrameFlags.EndHeaders) && header.StreamId != 0)
            {
                OpenFieldBlockStreamId = header.StreamId;
            }
        }

        return Http2Error.None;
    }
}
