namespace Uvnet.Http.Parsing;

public abstract partial class HttpMessageParser
{
    // Sub-states of a Content-Length value.
    private const byte LengthDigits = 0;
    private const byte LengthTrailingSpace = 1;

    // Sub-states of a list element (Connection options, Transfer-Encoding codings), RFC 9110 §5.6.1.
    private const byte ElementBefore = 0;
    private const byte ElementName = 1;
    private const byte ElementAfterName = 2;
    private const byte ElementParameters = 3; // a coding's parameters; for Connection, an option it ignores

    /// <summary>
    /// Checks a field name against the framing fields seen so far (RFC 9112 §6.3: a request with both
    /// Content-Length and Transfer-Encoding is an error, as in llhttp) and notes which field this is.
    /// </summary>
    /// <returns>False, with the error set, when the field is not allowed here.</returns>
    private bool BeginField(HeaderKind kind, int pos)
    {
        if ((_flags & HttpParserFlags.Trailing) != 0)
        {
            // RFC 9110 §6.5.1: framing fields must not be in trailers; llhttp rejects them too.
            if (kind == HeaderKind.ContentLength)
            {
                Fail(HttpParserError.InvalidContentLength, "Content-Length can't be present with Transfer-Encoding", pos);
                return false;
            }

            if (kind == HeaderKind.TransferEncoding)
            {
                Fail(HttpParserError.InvalidTransferEncoding, "Transfer-Encoding in trailers", pos);
                return false;
            }

            kind = HeaderKind.General;
        }
        else if (kind == HeaderKind.ContentLength && (_flags & HttpParserFlags.TransferEncoding) != 0)
        {
            Fail(HttpParserError.InvalidContentLength, "Content-Length can't be present with Transfer-Encoding", pos);
            return false;
        }
        else if (kind == HeaderKind.TransferEncoding)
        {
            if ((_flags & HttpParserFlags.ContentLength) != 0)
            {
                Fail(HttpParserError.InvalidTransferEncoding, "Transfer-Encoding can't be present with Content-Length", pos);
                return false;
            }

            _flags |= HttpParserFlags.TransferEncoding;
        }

        _headerKind = kind;
        return true;
    }

    /// <summary>
    /// A non-empty value begins: general fields are scanned vectorised (state HeaderValue); the fields the
    /// parser interprets byte by byte (state HeaderValueSpecial).
    /// </summary>
    /// <returns>False, with the error set, for a second Content-Length.</returns>
    private bool BeginValue(int pos)
    {
        switch (_headerKind)
        {
            case HeaderKind.ContentLength:
                if ((_flags & HttpParserFlags.ContentLength) != 0)
                {
                    // RFC 9112 §6.3 allows merging identical values; llhttp (and this parser) refuses any second one.
                    Fail(HttpParserError.UnexpectedContentLength, "Duplicate Content-Length", pos);
                    return false;
                }

                _valueState = LengthDigits;
                _state = ParserState.HeaderValueSpecial;
                return true;
            case HeaderKind.TransferEncoding:
            case HeaderKind.Connection:
                _valueState = ElementBefore;
                _state = ParserState.HeaderValueSpecial;
                return true;
            case HeaderKind.Upgrade:
                _flags |= HttpParserFlags.Upgrade;
                break;
        }

        _state = ParserState.HeaderValue;
        return true;
    }

    /// <summary>
    /// For the fast path of a whole field line in the header section: takes the value of an ordinary field, an
    /// Upgrade field, or a Connection field that is one common option; false (having done nothing) for
    /// anything else, left to the byte-by-byte path.
    /// </summary>
    private bool TryTakeValueAtOnce(HeaderKind kind, ReadOnlySpan<byte> value)
    {
        if (kind == HeaderKind.General)
        {
            return true;
        }

        if ((_flags & HttpParserFlags.Trailing) != 0)
        {
            return false;
        }

        if (kind == HeaderKind.Upgrade)
        {
            _flags |= HttpParserFlags.Upgrade;
            return true;
        }

        _headerKind = kind;
        return kind == HeaderKind.Connection && TryTakeCommonValue(value);
    }

    /// <summary>
    /// Interprets a whole Connection or Transfer-Encoding value that is a single common option; false (having
    /// done nothing) for any other value, which the byte-by-byte path then interprets.
    /// </summary>
    private bool TryTakeCommonValue(ReadOnlySpan<byte> value)
    {
        if (value[^1] is (byte)' ' or (byte)'\t')
        {
            value = value.TrimEnd(" \t"u8);
        }

        if (_headerKind == HeaderKind.Connection)
        {
            HttpParserFlags option = value.Length switch
            {
                10 when HttpCharacters.EqualsLowerCase(value, "keep-alive"u8) => HttpParserFlags.ConnectionKeepAlive,
                5 when HttpCharacters.EqualsLowerCase(value, "close"u8) => HttpParserFlags.ConnectionClose,
                7 when HttpCharacters.EqualsLowerCase(value, "upgrade"u8) => HttpParserFlags.ConnectionUpgrade,
                _ => HttpParserFlags.None,
            };
            _flags |= option;
            return option != HttpParserFlags.None;
        }

        if (_headerKind == HeaderKind.TransferEncoding && !_chunkedSeen && value.Length == 7
            && HttpCharacters.EqualsLowerCase(value, "chunked"u8))
        {
            _chunkedSeen = true;
            _chunkedLast = true;
            return true;
        }

        return false;
    }

    /// <summary>Interprets one byte (a field-value character, not CR) of a framing or connection field.</summary>
    /// <returns>False, with the error set, when the value is invalid.</returns>
    private bool StepSpecialValue(byte b, int pos) => _headerKind == HeaderKind.ContentLength
        ? StepContentLength(b, pos)
        : StepListElement(b, pos);

    /// <summary>The value has ended (at its CR): applies what it said.</summary>
    private void EndSpecialValue()
    {
        if (_headerKind == HeaderKind.ContentLength)
        {
            _flags |= HttpParserFlags.ContentLength;
        }
        else
        {
            EndListElement();
        }
    }

    /// <summary>Content-Length = 1*DIGIT (RFC 9110 §8.6), with optional trailing whitespace.</summary>
    private bool StepContentLength(byte b, int pos)
    {
        uint digit = (uint)(b - '0');
        if (digit <= 9 && _valueState == LengthDigits)
        {
            if (_contentLength > (long.MaxValue - digit) / 10)
            {
                Fail(HttpParserError.InvalidContentLength, "Content-Length overflow", pos);
                return false;
            }

            _contentLength = (_contentLength * 10) + digit;
            return true;
        }

        if (b is (byte)' ' or (byte)'\t')
        {
            _valueState = LengthTrailingSpace;
            return true;
        }

        Fail(HttpParserError.InvalidContentLength, "Invalid character in Content-Length", pos);
        return false;
    }

    /// <summary>
    /// One byte of a comma-separated list: Connection's options (RFC 9110 §7.6.1) or Transfer-Encoding's
    /// codings (RFC 9112 §6.1), each a token, a coding possibly with parameters after ';'.
    /// </summary>
    private bool StepListElement(byte b, int pos)
    {
        if (b == ',')
        {
            EndListElement();
            return true;
        }

        if (b is (byte)' ' or (byte)'\t')
        {
            if (_valueState == ElementName)
            {
                _valueState = ElementAfterName;
            }

            return true;
        }

        bool codings = _headerKind == HeaderKind.TransferEncoding;
        switch (_valueState)
        {
            case ElementBefore:
                if (codings && _chunkedSeen)
                {
                    // RFC 9112 §6.1: chunked must be the last coding, and applied once.
                    Fail(HttpParserError.InvalidTransferEncoding, "Invalid `Transfer-Encoding` header value", pos);
                    return false;
                }

                _scratchLength = 0;
                _codingHasParameters = false;
                _valueState = ElementName;
                goto case ElementName;
            case ElementName:
                if (HttpCharacters.IsToken(b))
                {
                    AppendScratch(HttpCharacters.ToLower(b));
                    return true;
                }

                goto case ElementAfterName;
            case ElementAfterName:
                if (b == ';')
                {
                    _codingHasParameters = true;
                    _valueState = ElementParameters;
                    return true;
                }

                if (codings)
                {
                    Fail(HttpParserError.InvalidTransferEncoding, "Invalid transfer coding", pos);
                    return false;
                }

                _valueState = ElementParameters;
                return true;
            default:
                return true;
        }
    }

    private void EndListElement()
    {
        if (_valueState != ElementBefore)
        {
            ReadOnlySpan<byte> name = _scratchLength < 0 ? default : ((ReadOnlySpan<byte>)_scratch)[.._scratchLength];
            if (_headerKind == HeaderKind.TransferEncoding)
            {
                EndCoding(name);
            }
            else if (_valueState != ElementParameters)
            {
                EndConnectionOption(name);
            }
        }

        _valueState = ElementBefore;
    }

    private void EndCoding(ReadOnlySpan<byte> coding)
    {
        _chunkedLast = !_codingHasParameters && coding.SequenceEqual("chunked"u8);
        if (_chunkedLast)
        {
            _chunkedSeen = true;
        }
        else
        {
            // The parser removes chunked framing and decodes nothing else: a body under another coding (even a
            // registered one, gzip or deflate) would reach the handler still coded, unmarked. RFC 9112 §6.1: 501.
            _otherCoding = true;
        }
    }

    private void EndConnectionOption(ReadOnlySpan<byte> option)
    {
        if (option.SequenceEqual("keep-alive"u8))
        {
            _flags |= HttpParserFlags.ConnectionKeepAlive;
        }
        else if (option.SequenceEqual("close"u8))
        {
            _flags |= HttpParserFlags.ConnectionClose;
        }
        else if (option.SequenceEqual("upgrade"u8))
        {
            _flags |= HttpParserFlags.ConnectionUpgrade;
        }
    }
}
