using System.Buffers.Binary;

namespace Uvnet.Http.Parsing;

public sealed partial class HttpRequestParser
{
    private static readonly ulong s_http11 = BinaryPrimitives.ReadUInt64LittleEndian("HTTP/1.1"u8);
    private static readonly ulong s_http10 = BinaryPrimitives.ReadUInt64LittleEndian("HTTP/1.0"u8);

    /// <summary>
    /// Parses the request line (RFC 9112 §3): method, one space, request-target, one space, HTTP-version, CRLF.
    /// Returns at its end, at the end of <paramref name="data"/>, or on an error or a pause.
    /// </summary>
    private int ParseRequestLine<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpParserHandler, allows ref struct
    {
        int mark = pos;
        byte b;
        switch (_state)
        {
            case ParserState.Method:
                goto Method;
            case ParserState.UrlPath:
                goto UrlPath;
            case ParserState.Version:
                goto Version;
            case ParserState.RequestLineCr:
                goto RequestLineCr;
            case ParserState.RequestLineLf:
                goto RequestLineLf;
            default:
                goto UrlPrefix;
        }

    Method:
        {
            if (_scratchLength == 0)
            {
                int common = KnownMethods.TryMatchCommon(data[pos..], out HttpRequestMethod method);
                if (common > 0 && common <= _maxMethodLength)
                {
                    _method = method;
                    handler.OnMethod(data.Slice(pos, common));
                    pos += common + 1;
                    _state = ParserState.UrlStart;
                    if (_pauseRequested)
                    {
                        return pos;
                    }

                    mark = pos;
                    goto UrlPrefix;
                }
            }

            int end = data[pos..].IndexOfAnyExcept(HttpCharacters.Token);
            int length = end < 0 ? data.Length - pos : end;
            if (_index + length > _maxMethodLength)
            {
                // RFC 9112 §3: a method longer than any the server implements gets 501, at once rather than at
                // the end of a request line the head's limit would let run for kilobytes.
                int over = pos + (_maxMethodLength - _index);
                if (over > mark)
                {
                    handler.OnMethod(data[mark..over]);
                }

                return Fail(HttpParserError.MethodOverflow, "Method too long", over);
            }

            if (end < 0)
            {
                _index += length;
                AppendScratch(data[mark..]);
                handler.OnMethod(data[mark..]);
                return data.Length;
            }

            pos += end;
            ReadOnlySpan<byte> piece = data[mark..pos];
            if (piece.Length > 0)
            {
                handler.OnMethod(piece);
            }

            if (_scratchLength == 0 && piece.IsEmpty)
            {
                return Fail(HttpParserError.InvalidMethod, "Invalid method encountered", pos);
            }

            if (data[pos] != ' ')
            {
                return Fail(HttpParserError.InvalidMethod, "Expected space after method", pos);
            }

            _method = KnownMethods.Classify(CompleteScratch(piece));
            _scratchLength = 0;
            if (_method == HttpRequestMethod.Pri)
            {
                // RFC 9113 §3.4: PRI only opens the HTTP/2 preface, which an HTTP/1.1 parser does not speak.
                return Fail(HttpParserError.InvalidMethod, "PRI is reserved for the HTTP/2 connection preface", pos);
            }

            _state = ParserState.UrlStart;
            pos++;
            if (_pauseRequested)
            {
                return pos;
            }

            mark = pos;
        }

    UrlPrefix:
        pos = ParseUrlPrefix(data, pos);
        if (_state != ParserState.UrlPath)
        {
            if (pos > mark)
            {
                handler.OnUrl(data[mark..pos]);
            }

            return pos;
        }

    UrlPath:
        {
            int end = HttpCharacters.IndexOfNotTarget(data[pos..]);
            if (end < 0)
            {
                handler.OnUrl(data[mark..]);
                return data.Length;
            }

            pos += end;
            if (pos > mark)
            {
                handler.OnUrl(data[mark..pos]);
            }

            b = data[pos];
            if (b != ' ')
            {
                return b == '\r' ? EndSimpleRequestLine(pos)
                    : b == '\n' ? Fail(HttpParserError.InvalidVersion, "Expected CRLF after url", pos)
                    : Fail(HttpParserError.InvalidUrl, "Invalid characters in url", pos);
            }

            pos++;
            _state = ParserState.Version;
            _index = 0;
            if (_pauseRequested)
            {
                return pos;
            }
        }

    Version:
        if (_index == 0)
        {
            if (data.Length - pos >= 10)
            {
                // The whole version and CRLF are here: one compare for the two versions there are.
                ulong version = BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]);
                if ((version == s_http11 || version == s_http10) && data[pos + 8] == '\r' && data[pos + 9] == '\n')
                {
                    _versionMajor = 1;
                    _versionMinor = version == s_http11 ? (byte)1 : (byte)0;
                    pos += 10;
                    _state = ParserState.HeaderFieldStart;
                    return pos;
                }
            }

            if (pos == data.Length)
            {
                return pos;
            }

            // The protocols llhttp knows start with different letters: the first one says which it must be.
            HttpProtocol? protocol = data[pos] switch
            {
                (byte)'H' => HttpProtocol.Http,
                (byte)'R' => HttpProtocol.Rtsp,
                (byte)'I' => HttpProtocol.Ice,
                _ => null,
            };
            if (protocol is not { } known)
            {
                return Fail(HttpParserError.InvalidConstant, "Expected HTTP/, RTSP/ or ICE/", pos);
            }

            _protocol = known;
        }

        {
            // _index counts the bytes of "NAME/d.d" read so far.
            ReadOnlySpan<byte> name = ProtocolName(_protocol);
            for (; _index < name.Length + 3; _index++, pos++)
            {
                if (pos == data.Length)
                {
                    return pos;
                }

                b = data[pos];
                if (_index < name.Length)
                {
                    if (b != name[_index])
                    {
                        return Fail(HttpParserError.InvalidConstant, "Expected HTTP/, RTSP/ or ICE/", pos);
                    }

                    if (_index == name.Length - 1 && !KnownMethods.IsAllowed(_protocol, _method))
                    {
                        return Fail(HttpParserError.InvalidConstant, "Invalid method for the protocol", pos);
                    }

                    continue;
                }

                if (_index == name.Length + 1)
                {
                    if (b != '.')
                    {
                        return Fail(HttpParserError.InvalidVersion, "Expected dot", pos);
                    }

                    continue;
                }

                uint digit = (uint)(b - '0');
                if (digit > 9)
                {
                    return Fail(HttpParserError.InvalidVersion, "Invalid version digit", pos);
                }

                if (_index == name.Length)
                {
                    _versionMajor = (byte)digit;
                }
                else if (_versionMajor != 1 || (digit > 1 && _protocol != HttpProtocol.Http))
                {
                    return Fail(HttpParserError.UnsupportedVersion, "Unsupported HTTP version", pos + 1);
                }
                else
                {
                    // RFC 9110 §2.5: a higher minor version of a major one implements is processed as the highest
                    // minor version implemented: HTTP/1.2 to 1.9 are HTTP/1.1.
                    _versionMinor = (byte)Math.Min(digit, 1);
                }
            }
        }

        _state = ParserState.RequestLineCr;

    RequestLineCr:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\r')
        {
            return Fail(HttpParserError.InvalidVersion, "Expected CRLF after version", pos);
        }

        pos++;
        _state = ParserState.RequestLineLf;

    RequestLineLf:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\n')
        {
            return Fail(HttpParserError.Strict, "Expected CRLF after version", pos);
        }

        _state = ParserState.HeaderFieldStart;
        return pos + 1;
    }

    private static ReadOnlySpan<byte> ProtocolName(HttpProtocol protocol) => protocol switch
    {
        HttpProtocol.Rtsp => "RTSP/"u8,
        HttpProtocol.Ice => "ICE/"u8,
        _ => "HTTP/"u8,
    };

    /// <summary>
    /// The request-target ended at a CR: a request line without a version, HTTP/0.9's, which llhttp takes as
    /// version 0.9 followed by a header section. The request is reported (so a server can answer 505, see
    /// <see cref="IsHttp1"/>) and never keeps the connection alive; the line still ends in CRLF.
    /// </summary>
    private int EndSimpleRequestLine(int pos)
    {
        _versionMajor = 0;
        _versionMinor = 9;
        _state = ParserState.RequestLineLf;
        return pos + 1;
    }

    /// <summary>
    /// Checks a request-target up to its path (RFC 9112 §3.2): the first byte, an absolute-form's scheme and
    /// authority, a CONNECT authority. Stops where the path, query or end begins, with the state
    /// <see cref="ParserState.UrlPath"/> (whose bytes are all VCHAR and scanned vectorised), at the end of
    /// <paramref name="data"/>, or on an error.
    /// </summary>
    private int ParseUrlPrefix(ReadOnlySpan<byte> data, int pos)
    {
        for (; pos < data.Length; pos++)
        {
            byte b = data[pos];
            switch (_state)
            {
                case ParserState.UrlStart:
                    if (_method == HttpRequestMethod.Connect)
                    {
                        // authority-form (RFC 9112 §3.2.3): it has no path, so it must start as a host.
                        if (!HttpCharacters.IsAuthority(b))
                        {
                            return Fail(HttpParserError.InvalidUrl, "Unexpected start char in url", pos);
                        }

                        _state = ParserState.UrlServer;
                        break;
                    }

                    if (b == '/')
                    {
                        _state = ParserState.UrlPath;
                        return pos;
                    }

                    if (b == '*')
                    {
                        // RFC 9112 §3.2.4: the asterisk-form is only for a server-wide OPTIONS.
                        if (_method != HttpRequestMethod.Options)
                        {
                            return Fail(HttpParserError.InvalidUrl, "Asterisk-form is only for OPTIONS", pos);
                        }

                        _state = ParserState.UrlAsterisk;
                        break;
                    }

                    if (!HttpCharacters.IsAlpha(b))
                    {
                        return Fail(HttpParserError.InvalidUrl, "Unexpected start char in url", pos);
                    }

                    _state = ParserState.UrlSchema;
                    break;
                case ParserState.UrlAsterisk:
                    // The asterisk-form is "*" alone.
                    if (b is not ((byte)' ' or (byte)'\r'))
                    {
                        return Fail(HttpParserError.InvalidUrl, "Unexpected char after asterisk-form", pos);
                    }

                    _state = ParserState.UrlPath;
                    return pos;
                case ParserState.UrlSchema:
                    if (b == ':')
                    {
                        _state = ParserState.UrlSchemaSlash;
                    }
                    else if (!HttpCharacters.IsAlpha(b))
                    {
                        return Fail(HttpParserError.InvalidUrl, "Unexpected char in url schema", pos);
                    }

                    break;
                case ParserState.UrlSchemaSlash:
                case ParserState.UrlSchemaSlashSlash:
                    if (b != '/')
                    {
                        return Fail(HttpParserError.InvalidUrl, "Unexpected char in url schema", pos);
                    }

                    _state = _state == ParserState.UrlSchemaSlash ? ParserState.UrlSchemaSlashSlash : ParserState.UrlServer;
                    break;
                case ParserState.UrlServer:
                case ParserState.UrlServerWithAt:
                    if (b == '@')
                    {
                        if (_state == ParserState.UrlServerWithAt)
                        {
                            return Fail(HttpParserError.InvalidUrl, "Double @ in url", pos);
                        }

                        _state = ParserState.UrlServerWithAt;
                    }
                    else if (!HttpCharacters.IsAuthority(b))
                    {
                        if (b is (byte)'/' or (byte)'?' or (byte)' ' or (byte)'\r' or (byte)'\n')
                        {
                            _state = ParserState.UrlPath;
                            return pos;
                        }

                        return Fail(HttpParserError.InvalidUrl, "Unexpected char in url server", pos);
                    }

                    break;
            }
        }

        return pos;
    }
}
