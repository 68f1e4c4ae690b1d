using System.Runtime.CompilerServices;

namespace Uvnet.Http.Parsing;

/// <summary>
/// What <see cref="HttpRequestParser"/> and <see cref="HttpResponseParser"/> share, as llhttp's one parser has a
/// request and a response mode: the header and trailer sections, the framing fields, the body (Content-Length,
/// chunked, trailers), the limits, pausing and errors. Only those two classes derive from it.
/// </summary>
/// <remarks>
/// The two parsers differ only in their start line, in how the framing fields settle a body (RFC 9112 §6.3: a
/// request's body is never delimited by the close, a response's may be; some statuses have none), and in the
/// callback that receives the head; everything else runs through this class's code, so both are exactly as
/// strict. The members here are valid at the times the derived parser's documentation gives.
/// </remarks>
public abstract partial class HttpMessageParser
{
    private readonly int _maxHeaderBytes;
    private readonly int _maxHeaderCount;
    private readonly int _maxChunkExtensionBytes;

    private protected ParserState _state;
    private protected HttpParserError _error;
    private string? _reason;
    private long _errorOffset;
    private long _streamOffset;
    private protected bool _pauseRequested;
    private bool _executing;

    // The message being parsed.
    private protected byte _versionMajor;
    private protected byte _versionMinor;
    private protected HttpParserFlags _flags;
    private protected bool _upgrade;
    private protected long _contentLength;
    private long _remaining;
    private int _chunkExtensionBytes;

    // The head being parsed: bytes and fields so far (against the limits), and the current field or start line.
    private int _headBytes;
    private int _headerCount;
    private HeaderKind _headerKind;
    private byte _valueState;
    private protected int _index;

    // Transfer-Encoding, across all its fields: was chunked seen, is it the last coding, any other coding.
    private bool _chunkedSeen;
    private protected bool _chunkedLast;
    private protected bool _otherCoding;
    private bool _codingHasParameters;

    private ParserScratch _scratch;
    private protected int _scratchLength;

    private protected HttpMessageParser(HttpParserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _maxHeaderBytes = limits.MaxHeaderBytes;
        _maxHeaderCount = limits.MaxHeaderCount;
        _maxChunkExtensionBytes = limits.MaxChunkExtensionBytes;
    }

    /// <summary>
    /// What stopped the last Execute: <see cref="HttpParserError.None"/>, a pause, or an error (kept until
    /// Reset).
    /// </summary>
    public HttpParserError Error => _error;

    /// <summary>A short English reason for <see cref="Error"/>, for logs; null when there is none.</summary>
    public string? ErrorReason => _reason;

    /// <summary>
    /// Where <see cref="Error"/> arose: the offset of the offending byte from the start of the stream (the first
    /// byte given since the parser was created or reset). For a pause, the offset at which parsing stopped.
    /// </summary>
    public long ErrorOffset => _errorOffset;

    /// <summary>How many bytes the parser has consumed since it was created or reset.</summary>
    public long BytesConsumed => _streamOffset;

    /// <summary>
    /// The current message's major version (1; for a request, 0 for a request line without a version), valid
    /// from the end of the start line.
    /// </summary>
    public int VersionMajor => _versionMajor;

    /// <summary>
    /// The current message's minor version (0 or 1, HTTP/1.2 to 1.9 being reported as 1; for a request, 9 for a
    /// request line without a version), valid from the end of the start line.
    /// </summary>
    public int VersionMinor => _versionMinor;

    /// <summary>What the current message's header section said (valid at headers complete).</summary>
    public HttpParserFlags Flags => _flags;

    /// <summary>
    /// The current message's Content-Length (valid at headers complete when <see cref="Flags"/> has
    /// <see cref="HttpParserFlags.ContentLength"/>; 0 otherwise).
    /// </summary>
    public long ContentLength => _contentLength;

    /// <summary>
    /// Whether the connection changes protocol when the current message is complete, Execute then stopping with
    /// <see cref="HttpParserError.PausedUpgrade"/> (valid at headers complete): for a request, CONNECT or an Upgrade
    /// field with <c>Connection: upgrade</c>; for a response, status 101; for either, the headers-complete callback
    /// saying <see cref="HeadersCompleteAction.Upgrade"/>.
    /// </summary>
    public bool IsUpgrade => _upgrade;

    /// <summary>
    /// Pauses parsing. From a callback: Execute returns <see cref="HttpParserError.Paused"/> at the end of the
    /// element that callback reported (the start line's part, field line, chunk line, body piece or message),
    /// having consumed it. Outside Execute: the next Execute returns Paused at once. No effect in error.
    /// </summary>
    public void Pause()
    {
        if (_error != HttpParserError.None)
        {
            return;
        }

        if (_executing)
        {
            _pauseRequested = true;
        }
        else
        {
            SetPaused(HttpParserError.Paused, "Paused", 0);
        }
    }

    /// <summary>
    /// Resumes after <see cref="HttpParserError.Paused"/>. Then call Execute with the bytes it did not consume,
    /// even if there are none: a pause may fall just before a step that needs no input (choosing the body after
    /// the headers-complete callback, completing the message after its last body byte).
    /// </summary>
    public void Resume()
    {
        if (_error == HttpParserError.Paused)
        {
            ClearStop();
        }
    }

    /// <summary>
    /// Goes on parsing HTTP after <see cref="HttpParserError.PausedUpgrade"/>, when the upgrade is declined (RFC
    /// 9110 §7.8 lets a server ignore an Upgrade field). The next message may follow.
    /// </summary>
    public void ResumeAfterUpgrade()
    {
        if (_error == HttpParserError.PausedUpgrade)
        {
            ClearStop();
        }
    }

    /// <summary>
    /// Whether the connection stays open after the message by its version and Connection field (RFC 9112 §9.3):
    /// HTTP/1.1 unless <c>close</c>; HTTP/1.0 only with <c>keep-alive</c>, and never with a Transfer-Encoding (RFC
    /// 9112 §6.1: the framing of an HTTP/1.0 message with one is faulty, close after it).
    /// </summary>
    private protected bool ConnectionPersists => _versionMinor >= 1
        ? (_flags & HttpParserFlags.ConnectionClose) == 0
        : (_flags & (HttpParserFlags.ConnectionKeepAlive | HttpParserFlags.TransferEncoding)) == HttpParserFlags.ConnectionKeepAlive;

    /// <summary>
    /// What a kind of message adds to the parsing both kinds share: its start line, and how its head settles the
    /// body. Implemented by a struct per parser, so that the shared code is compiled for each kind and its calls
    /// are direct.
    /// </summary>
    /// <typeparam name="THandler">The callbacks of the parser of that kind.</typeparam>
    private protected interface IMessageKind<THandler>
        where THandler : IHttpMessageParserHandler, allows ref struct
    {
        /// <summary>
        /// Whether the connection may carry another message after the current one (read as it completes).
        /// </summary>
        bool AnotherMessageMayFollow { get; }

        /// <summary>A message begins: forgets the previous start line and enters the first state of the next.</summary>
        void BeginStartLine();

        /// <summary>Parses the start line; returns as the field-line parser does.</summary>
        int ParseStartLine(ref THandler handler, ReadOnlySpan<byte> window, int pos);

        /// <summary>The header section ended: settles the framing and calls the headers-complete callback.</summary>
        int CompleteHead(ref THandler handler, int pos);

        /// <summary>
        /// After the headers-complete callback (and any pause it asked for): enters the body's first state, or
        /// <see cref="ParserState.MessageDone"/> when there is none.
        /// </summary>
        void ChooseBody();
    }

    /// <summary>
    /// Execute for either kind: parses <paramref name="data"/> with the callbacks, unless the parser is stopped.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    private protected HttpParserError Execute<THandler, TKind>(ref THandler handler, TKind kind, ReadOnlySpan<byte> data, out int consumed)
        where THandler : IHttpMessageParserHandler, allows ref struct
        where TKind : struct, IMessageKind<THandler>
    {
        consumed = 0;
        if (_error != HttpParserError.None)
        {
            return _error;
        }

        ThrowIfExecuting();
        _executing = true;
        try
        {
            consumed = Run(ref handler, kind, data);
        }
        catch
        {
            Fail(HttpParserError.User, "A handler callback threw", 0);
            throw;
        }
        finally
        {
            _executing = false;
        }

        _streamOffset += consumed;
        return _error;
    }

    private int Run<THandler, TKind>(ref THandler handler, TKind kind, ReadOnlySpan<byte> data)
        where THandler : IHttpMessageParserHandler, allows ref struct
        where TKind : struct, IMessageKind<THandler>
    {
        int pos = 0;
        while (_error == HttpParserError.None)
        {
            if (_pauseRequested)
            {
                return SetPaused(HttpParserError.Paused, "Paused", pos);
            }

            ParserState state = _state;
            if (state == ParserState.HeadersEnd)
            {
                pos = kind.CompleteHead(ref handler, pos);
            }
            else if (state == ParserState.HeadersDone)
            {
                kind.ChooseBody();
            }
            else if (state == ParserState.MessageDone)
            {
                pos = CompleteMessage(ref handler, pos, kind.AnotherMessageMayFollow);
            }
            else if (pos == data.Length)
            {
                break;
            }
            else if (state <= ParserState.Closed)
            {
                pos = ParseBetweenMessages(ref handler, kind, data, pos);
            }
            else if (state <= ParserState.HeadersLf)
            {
                pos = ParseHead(ref handler, kind, data, pos);
            }
            else
            {
                pos = ParseBody(ref handler, data, pos);
            }
        }

        return pos;
    }

    /// <summary>Skips the empty lines before a message (RFC 9112 §2.2) and begins it.</summary>
    private int ParseBetweenMessages<THandler, TKind>(ref THandler handler, TKind kind, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpMessageParserHandler, allows ref struct
        where TKind : struct, IMessageKind<THandler>
    {
        for (; pos < data.Length; pos++)
        {
            byte b = data[pos];
            if (_state == ParserState.MessageStartLf)
            {
                if (b != '\n')
                {
                    return Fail(HttpParserError.Strict, "Expected LF after CR", pos);
                }

                _state = ParserState.MessageStart;
            }
            else if (b == '\r')
            {
                if (_state == ParserState.MessageStart)
                {
                    _state = ParserState.MessageStartLf;
                }
            }
            else if (b != '\n')
            {
                if (_state == ParserState.Closed)
                {
                    return Fail(HttpParserError.ClosedConnection, "Data after `Connection: close`", pos);
                }

                ResetMessage();
                kind.BeginStartLine();
                handler.OnMessageBegin();
                return pos;
            }
        }

        return pos;
    }

    /// <summary>
    /// Parses the start line, the header section or the trailer section, never past the limits: the
    /// bytes it may still read are a prefix of <paramref name="data"/> (the window), so a head that does
    /// not end within <see cref="HttpParserLimits.MaxHeaderBytes"/> is an error at the first byte beyond.
    /// </summary>
    private int ParseHead<THandler, TKind>(ref THandler handler, TKind kind, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpMessageParserHandler, allows ref struct
        where TKind : struct, IMessageKind<THandler>
    {
        int budget = _maxHeaderBytes - _headBytes;
        ReadOnlySpan<byte> window = data.Length - pos > budget ? data[..(pos + budget)] : data;
        int start = pos;
        while (pos < window.Length && _error == HttpParserError.None && !_pauseRequested
            && _state is >= ParserState.StatusLine and <= ParserState.HeadersLf)
        {
            pos = _state < ParserState.HeaderFieldStart
                ? kind.ParseStartLine(ref handler, window, pos)
                : ParseFieldLine(ref handler, window, pos);
        }

        if (_state is >= ParserState.StatusLine and <= ParserState.HeadersLf)
        {
            _headBytes += pos - start;
            if (pos == window.Length && window.Length < data.Length && _error == HttpParserError.None)
            {
                return Fail(HttpParserError.HeaderOverflow, "Header section too large", pos);
            }
        }

        return pos;
    }

    /// <summary>
    /// Says the stream ended where the message can only be complete (between messages, or after an upgrade):
    /// <see cref="HttpParserError.None"/>, or the error that stopped the parser; null when the derived parser
    /// must decide (in the middle of a message).
    /// </summary>
    /// <summary>
    /// Whether the parser stands between two messages with nothing of the next one read, no error and no pause: a
    /// fresh parser would go on exactly as this one (the server lends its parsers to connections only while a
    /// request arrives).
    /// </summary>
    internal bool IsAtMessageStart => _state == ParserState.MessageStart && _error == HttpParserError.None && !_pauseRequested;

    private protected HttpParserError? FinishBetweenMessages()
    {
        if (_error is not (HttpParserError.None or HttpParserError.Paused or HttpParserError.PausedUpgrade))
        {
            return _error;
        }

        if (_error == HttpParserError.PausedUpgrade || _state is ParserState.MessageStart or ParserState.Closed)
        {
            return HttpParserError.None;
        }

        return null;
    }

    /// <summary>The stream ended in the middle of a message.</summary>
    private protected HttpParserError FailAtEof()
    {
        Fail(HttpParserError.InvalidEofState, "Invalid EOF state", 0);
        return _error;
    }

    /// <summary>
    /// Forgets the stream: no error, no pause, no bytes consumed, nothing of the last message (but its start
    /// line, which the derived parser forgets), waiting for a message.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    private protected void ResetStream()
    {
        ThrowIfExecuting();
        ClearStop();
        _state = ParserState.MessageStart;
        _streamOffset = 0;
        ResetMessage();
    }

    /// <summary>Forgets what the previous message said.</summary>
    private void ResetMessage()
    {
        _versionMajor = 0;
        _versionMinor = 0;
        _flags = HttpParserFlags.None;
        _upgrade = false;
        _contentLength = 0;
        _remaining = 0;
        _chunkExtensionBytes = 0;
        _headBytes = 0;
        _headerCount = 0;
        _index = 0;
        _scratchLength = 0;
        _chunkedSeen = false;
        _chunkedLast = false;
        _otherCoding = false;
    }

    /// <summary>Applies what the headers-complete callback returned.</summary>
    private protected void ApplyHeadersComplete(HeadersCompleteAction action)
    {
        _state = ParserState.HeadersDone;
        switch (action)
        {
            case HeadersCompleteAction.SkipBody:
                _flags |= HttpParserFlags.SkipBody;
                break;
            case HeadersCompleteAction.Upgrade:
                _flags |= HttpParserFlags.SkipBody;
                _upgrade = true;
                break;
            case HeadersCompleteAction.Pause:
                _pauseRequested = true;
                break;
        }
    }

    /// <summary>The body the framing announced begins: chunked, or <see cref="ContentLength"/> bytes.</summary>
    private protected void BeginFramedBody()
    {
        if ((_flags & HttpParserFlags.Chunked) != 0)
        {
            _state = ParserState.ChunkSizeStart;
        }
        else
        {
            _remaining = _contentLength;
            _state = ParserState.BodyIdentity;
        }
    }

    /// <summary>
    /// The message is complete: reports it, then waits for the next (<paramref name="another"/>) or for nothing,
    /// or stops for an upgrade.
    /// </summary>
    private int CompleteMessage<THandler>(ref THandler handler, int pos, bool another)
        where THandler : IHttpMessageParserHandler, allows ref struct
    {
        _state = another ? ParserState.MessageStart : ParserState.Closed;
        handler.OnMessageComplete();
        return _upgrade ? SetPaused(HttpParserError.PausedUpgrade, "Pause on CONNECT/Upgrade", pos) : pos;
    }

    /// <summary>Records an error at <paramref name="pos"/> of the current buffer; returns that position.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private protected int Fail(HttpParserError error, string reason, int pos)
    {
        _error = error;
        _reason = reason;
        _errorOffset = _streamOffset + pos;
        return pos;
    }

    private protected int SetPaused(HttpParserError pause, string reason, int pos)
    {
        _pauseRequested = false;
        return Fail(pause, reason, pos);
    }

    private void ClearStop()
    {
        _error = HttpParserError.None;
        _reason = null;
        _errorOffset = 0;
        _pauseRequested = false;
    }

    private protected void ThrowIfExecuting()
    {
        if (_executing)
        {
            ThrowReentered();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowReentered() =>
        throw new InvalidOperationException("A parser callback must not call Execute or Reset on the parser running it.");

    /// <summary>Keeps a copy of a token's piece that must be recognised whole; notes one too long to be.</summary>
    private protected void AppendScratch(ReadOnlySpan<byte> piece)
    {
        if (_scratchLength < 0)
        {
            return;
        }

        if (_scratchLength + piece.Length > ParserScratch.Capacity)
        {
            _scratchLength = -1;
            return;
        }

        piece.CopyTo(((Span<byte>)_scratch)[_scratchLength..]);
        _scratchLength += piece.Length;
    }

    private void AppendScratch(byte b)
    {
        if ((uint)_scratchLength < ParserScratch.Capacity)
        {
            _scratch[_scratchLength++] = b;
        }
        else
        {
            _scratchLength = -1;
        }
    }

    /// <summary>The whole token: the current piece alone, or appended to the pieces kept before it.</summary>
    /// <returns>The token, or an empty span when it was too long to keep (so it is none the parser knows).</returns>
    private protected ReadOnlySpan<byte> CompleteScratch(ReadOnlySpan<byte> lastPiece)
    {
        if (_scratchLength == 0)
        {
            return lastPiece;
        }

        AppendScratch(lastPiece);
        return _scratchLength < 0 ? default : ((ReadOnlySpan<byte>)_scratch)[.._scratchLength];
    }
}
