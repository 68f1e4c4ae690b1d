using System.Runtime.CompilerServices;

namespace Uvnet.Http.Parsing;

/// <summary>
/// A strict, incremental HTTP/1.1 request parser in llhttp's model: feed it whatever a socket read returned,
/// split anywhere (one byte at a time included), and it reports through <see cref="IHttpParserHandler"/>
/// callbacks what it would report had it been given everything at once. It allocates nothing and depends on
/// nothing but the BCL.
/// </summary>
/// <remarks>
/// <para><b>Use.</b> Call <see cref="Execute{THandler}(ref THandler, ReadOnlySpan{byte}, out int)"/> with each
/// buffer read. It returns <see cref="HttpParserError.None"/> when it parsed every byte; otherwise it stopped
/// after <c>consumed</c> bytes: on a pause (<see cref="HttpParserError.Paused"/>: call <see cref="Resume"/>
/// and give it the rest), on an upgrade (<see cref="HttpParserError.PausedUpgrade"/>: the rest belongs to the
/// new protocol), or on an error, after which it stays in error until <see cref="Reset"/>. Pipelined requests
/// in one buffer are all parsed; at end of stream call <see cref="Finish"/>.</para>
/// <para><b>Strictness.</b> RFC 9112, with llhttp's strict defaults where the RFC leaves a choice: every line
/// ends in CRLF (a bare LF or a bare CR is an error, as in llhttp: empty lines before a request line may be a
/// bare LF); exactly one space separates the parts of the request line; a request must not carry both
/// Content-Length and Transfer-Encoding, two Content-Lengths, a malformed Content-Length, or a
/// Transfer-Encoding whose final coding is not chunked; field names are tokens with no whitespace before the
/// colon; field values have no control characters; obsolete line folding is an error; chunk sizes are hex
/// digits without whitespace; the asterisk-form target (<c>*</c>, alone) is only for OPTIONS (RFC 9112 §3.2.4); a
/// method longer than <see cref="HttpParserLimits.MaxMethodLength"/> is refused at its first byte beyond. HTTP/1.2 to
/// HTTP/1.9 are parsed as HTTP/1.1 (RFC 9110 §2.5); other versions than 1.x are
/// <see cref="HttpParserError.UnsupportedVersion"/>.
/// A missing Host on HTTP/1.1 is left to the server (RFC 9112 §3.2 makes it the server's 400, not a framing
/// matter).</para>
/// <para><b>Other protocols.</b> As llhttp, the parser also recognises RTSP/1.x and ICE/1.x request lines (with
/// the methods llhttp allows each) and an HTTP/0.9 request line (a target followed by CRLF, reported as version
/// 0.9, then a header section): it reports them with their framing checked as strictly as HTTP's, and says so in
/// <see cref="Protocol"/>, <see cref="VersionMajor"/> and <see cref="IsHttp1"/>, so that an HTTP server answers
/// them 505 rather than serving them; such a request never keeps the connection alive.</para>
/// <para><b>Where it differs from llhttp's strict mode</b> (each deliberate): any token is a method (RFC 9110
/// §9.1; a server answers an unknown one 501), where llhttp refuses a method it does not list (<c>MKCOLA</c>) or
/// one it lists for another protocol (<c>ANNOUNCE</c> over HTTP); a request line or field line ending in a bare LF
/// is an error, where llhttp takes a bare LF after a target as HTTP/0.9; HTTP/0.9 and HTTP/2.0 written as
/// versions, and RTSP/2.0, are <see cref="HttpParserError.UnsupportedVersion"/> where llhttp accepts them, and
/// HTTP/1.2 is HTTP/1.1 where llhttp refuses it; any coding before the final chunked, even a registered one such as
/// gzip, is <see cref="HttpParserError.UnknownTransferEncoding"/> (the parser decodes none, so the body would reach
/// its handler still coded); an asterisk-form target with another method than OPTIONS is an error;
/// nothing may follow an HTTP/0.9, RTSP or ICE request on its connection. On llhttp's 134 strict request cases
/// (its test/request/*.md, fed whole and byte by byte) the parser agrees on 132: the two others are the methods
/// above.</para>
/// <para><b>Errors</b> carry a stable code (<see cref="Error"/>), a reason for logs (<see cref="ErrorReason"/>)
/// and the offset of the offending byte (<see cref="ErrorOffset"/>), counted from the first byte given to the
/// parser since it was created or <see cref="Reset"/> (the start of the stream), as llhttp's tests count.</para>
/// <para><b>Limits.</b> <see cref="HttpParserLimits"/> bounds the head, so neither the parser nor a handler that
/// accumulates what it reports holds unbounded memory; a body is streamed and never buffered.</para>
/// <para>One parser serves one connection, on one thread at a time.</para>
/// </remarks>
public sealed partial class HttpRequestParser
{
    private readonly int _maxHeaderBytes;
    private readonly int _maxHeaderCount;
    private readonly int _maxChunkExtensionBytes;
    private readonly int _maxMethodLength;

    private ParserState _state;
    private HttpParserError _error;
    private string? _reason;
    private long _errorOffset;
    private long _streamOffset;
    private bool _pauseRequested;
    private bool _executing;

    // The message being parsed.
    private HttpRequestMethod _method;
    private HttpProtocol _protocol;
    private byte _versionMajor;
    private byte _versionMinor;
    private HttpParserFlags _flags;
    private bool _upgrade;
    private long _contentLength;
    private long _remaining;
    private int _chunkExtensionBytes;

    // The head being parsed: bytes and fields so far (against the limits), and the current field.
    private int _headBytes;
    private int _headerCount;
    private HeaderKind _headerKind;
    private byte _valueState;
    private int _index;

    // Transfer-Encoding, across all its fields: was chunked seen, is it the last coding, any other coding.
    private bool _chunkedSeen;
    private bool _chunkedLast;
    private bool _otherCoding;
    private bool _codingHasParameters;

    private ParserScratch _scratch;
    private int _scratchLength;

    /// <summary>Creates a parser with the default limits.</summary>
    public HttpRequestParser()
        : this(HttpParserLimits.Default)
    {
    }

    /// <summary>Creates a parser with the given limits.</summary>
    /// <param name="limits">The bounds on each request's head.</param>
    public HttpRequestParser(HttpParserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _maxHeaderBytes = limits.MaxHeaderBytes;
        _maxHeaderCount = limits.MaxHeaderCount;
        _maxChunkExtensionBytes = limits.MaxChunkExtensionBytes;
        _maxMethodLength = limits.MaxMethodLength;
    }

    /// <summary>
    /// What stopped the last Execute: <see cref="HttpParserError.None"/>, a pause, or an error (kept until
    /// <see cref="Reset"/>).
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

    /// <summary>The current request's method (valid from the end of the method token).</summary>
    public HttpRequestMethod Method => _method;

    /// <summary>
    /// The protocol the current request line names (valid from the end of the request line): HTTP, or RTSP or ICE,
    /// which llhttp also parses. Check <see cref="IsHttp1"/> before serving a request.
    /// </summary>
    public HttpProtocol Protocol => _protocol;

    /// <summary>
    /// The current request's major version (1; 0 for a request line without a version), valid from the end of
    /// the request line.
    /// </summary>
    public int VersionMajor => _versionMajor;

    /// <summary>
    /// The current request's minor version (0 or 1, HTTP/1.2 to 1.9 being reported as 1; 9 for a request line
    /// without a version), valid from the end of the request line.
    /// </summary>
    public int VersionMinor => _versionMinor;

    /// <summary>
    /// Whether the current request is HTTP/1.0 or HTTP/1.1 (valid from the end of the request line): the only
    /// requests an HTTP/1.1 server serves. For any other (<see cref="Protocol"/> RTSP or ICE, or an HTTP/0.9
    /// request line) a server answers 505 HTTP Version Not Supported (RFC 9110 §15.6.6) and closes the
    /// connection; <see cref="ShouldKeepAlive"/> is false for them.
    /// </summary>
    public bool IsHttp1 => _protocol == HttpProtocol.Http && _versionMajor == 1;

    /// <summary>What the current request's header section said (valid at headers complete).</summary>
    public HttpParserFlags Flags => _flags;

    /// <summary>
    /// The current request's Content-Length (valid at headers complete when <see cref="Flags"/> has
    /// <see cref="HttpParserFlags.ContentLength"/>; 0 otherwise).
    /// </summary>
    public long ContentLength => _contentLength;

    /// <summary>
    /// Whether the current request switches protocol when complete: CONNECT, or an Upgrade field with
    /// <c>Connection: upgrade</c>, or the headers-complete callback said <see cref="HeadersCompleteAction.Upgrade"/>.
    /// </summary>
    public bool IsUpgrade => _upgrade;

    /// <summary>
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3): HTTP/1.1 unless
    /// <c>Connection: close</c>; HTTP/1.0 only with <c>Connection: keep-alive</c>, and never when it has a
    /// Transfer-Encoding (RFC 9112 §6.1: its framing is faulty, close after it); never when not
    /// <see cref="IsHttp1"/>. Valid at headers complete.
    /// </summary>
    public bool ShouldKeepAlive
    {
        get
        {
            if (!IsHttp1)
            {
                return false;
            }

            if (_versionMinor >= 1)
            {
                return (_flags & HttpParserFlags.ConnectionClose) == 0;
            }

            return (_flags & (HttpParserFlags.ConnectionKeepAlive | HttpParserFlags.TransferEncoding))
                == HttpParserFlags.ConnectionKeepAlive;
        }
    }

    /// <summary>
    /// Parses <paramref name="data"/>, calling <paramref name="handler"/> for what it finds.
    /// </summary>
    /// <typeparam name="THandler">The callbacks; a struct, so that the calls are direct.</typeparam>
    /// <param name="handler">The callbacks, by reference so a struct handler may keep state.</param>
    /// <param name="data">The next bytes of the stream.</param>
    /// <param name="consumed">How many bytes were parsed: all of them unless a pause or an error stopped it.</param>
    /// <returns>
    /// <see cref="HttpParserError.None"/>, or what stopped parsing. While the parser is paused or in error it
    /// returns that at once and consumes nothing.
    /// </returns>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public HttpParserError Execute<THandler>(ref THandler handler, ReadOnlySpan<byte> data, out int consumed)
        where THandler : IHttpParserHandler, allows ref struct
    {
        if (_error != HttpParserError.None)
        {
            consumed = 0;
            return _error;
        }

        ThrowIfExecuting();
        _executing = true;
        int pos;
        try
        {
            pos = Run(ref handler, data);
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

        consumed = pos;
        _streamOffset += pos;
        return _error;
    }

    /// <summary>
    /// Says the stream ended (llhttp's <c>llhttp_finish</c>): <see cref="HttpParserError.None"/> between
    /// requests, <see cref="HttpParserError.InvalidEofState"/> (and the parser enters that error) in the middle
    /// of one. A parser already stopped by an error returns that error.
    /// </summary>
    /// <returns>Whether ending here is clean.</returns>
    public HttpParserError Finish()
    {
        if (_error is not (HttpParserError.None or HttpParserError.Paused or HttpParserError.PausedUpgrade))
        {
            return _error;
        }

        if (_error == HttpParserError.PausedUpgrade || _state is ParserState.MessageStart or ParserState.Closed)
        {
            return HttpParserError.None;
        }

        Fail(HttpParserError.InvalidEofState, "Invalid EOF state", 0);
        return _error;
    }

    /// <summary>
    /// Pauses parsing. From a callback: Execute returns <see cref="HttpParserError.Paused"/> at the end of the
    /// element that callback reported (the method, target, field line, chunk line, body piece or message),
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
    /// Goes on parsing HTTP after <see cref="HttpParserError.PausedUpgrade"/>, when the server declined the upgrade
    /// (RFC 9110 §7.8 lets it ignore an Upgrade field). The next request may follow.
    /// </summary>
    public void ResumeAfterUpgrade()
    {
        if (_error == HttpParserError.PausedUpgrade)
        {
            ClearStop();
        }
    }

    /// <summary>Forgets everything, errors included: the parser is as new, at the start of a stream.</summary>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public void Reset()
    {
        ThrowIfExecuting();
        ClearStop();
        _state = ParserState.MessageStart;
        _streamOffset = 0;
        StartMessage();
    }

    private int Run<THandler>(ref THandler handler, ReadOnlySpan<byte> data)
        where THandler : IHttpParserHandler, allows ref struct
    {
        int pos = 0;
        while (_error == HttpParserError.None)
        {
            if (_pauseRequested)
            {
                return SetPaused(HttpParserError.Paused, "Paused", pos);
            }

            ParserState state = _state;
            if (state == ParserState.HeadersDone)
            {
                pos = ChooseBody(ref handler, pos);
            }
            else if (state == ParserState.MessageDone)
            {
                pos = CompleteMessage(ref handler, pos);
            }
            else if (pos == data.Length)
            {
                break;
            }
            else if (state <= ParserState.Closed)
            {
                pos = ParseBetweenMessages(ref handler, data, pos);
            }
            else if (state <= ParserState.HeadersLf)
            {
                pos = ParseHead(ref handler, data, pos);
            }
            else
            {
                pos = ParseBody(ref handler, data, pos);
            }
        }

        return pos;
    }

    /// <summary>Skips the empty lines before a request (RFC 9112 §2.2) and begins it.</summary>
    private int ParseBetweenMessages<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpParserHandler, allows ref struct
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

                StartMessage();
                _state = ParserState.Method;
                handler.OnMessageBegin();
                return pos;
            }
        }

        return pos;
    }

    private void StartMessage()
    {
        _method = HttpRequestMethod.Custom;
        _protocol = HttpProtocol.Http;
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

    /// <summary>Records an error at <paramref name="pos"/> of the current buffer; returns that position.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Fail(HttpParserError error, string reason, int pos)
    {
        _error = error;
        _reason = reason;
        _errorOffset = _streamOffset + pos;
        return pos;
    }

    private int SetPaused(HttpParserError pause, string reason, int pos)
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

    private void ThrowIfExecuting()
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
    private void AppendScratch(ReadOnlySpan<byte> piece)
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
    private ReadOnlySpan<byte> CompleteScratch(ReadOnlySpan<byte> lastPiece)
    {
        if (_scratchLength == 0)
        {
            return lastPiece;
        }

        AppendScratch(lastPiece);
        return _scratchLength < 0 ? default : ((ReadOnlySpan<byte>)_scratch)[.._scratchLength];
    }
}
