namespace Uvnet.Http.Parsing;

public sealed partial class HttpRequestParser
{
    /// <summary>
    /// Parses one field line of the header or trailer section (RFC 9112 §5: name, colon, optional whitespace,
    /// value, CRLF), or the empty line that ends the section. Returns at the end of the line, at the end of
    /// <paramref name="data"/>, or on an error or a pause.
    /// </summary>
    private int ParseFieldLine<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpParserHandler, allows ref struct
    {
        int mark = pos;
        byte b = 0;
        switch (_state)
        {
            case ParserState.HeaderFieldStart:
                goto FieldStart;
            case ParserState.HeaderField:
                goto Field;
            case ParserState.HeaderValueStart:
                goto ValueStart;
            case ParserState.HeaderValueStartLf:
                goto ValueStartLf;
            case ParserState.HeaderValue:
                goto Value;
            case ParserState.HeaderValueSpecial:
                goto SpecialValue;
            case ParserState.HeaderValueLf:
                goto ValueLf;
            default:
                goto HeadersLf;
        }

    FieldStart:
        b = data[pos];
        if (b == '\r')
        {
            pos++;
            _state = ParserState.HeadersLf;
            goto HeadersLf;
        }

        if (!HttpCharacters.IsToken(b))
        {
            return FailFieldStart(b, pos);
        }

        if (++_headerCount > _maxHeaderCount)
        {
            return Fail(HttpParserError.HeaderOverflow, "Too many header fields", pos);
        }

        _scratchLength = 0;
        _state = ParserState.HeaderField;

    Field:
        {
            int end = data[pos..].IndexOfAnyExcept(HttpCharacters.Token);
            if (end < 0)
            {
                AppendScratch(data[mark..]);
                handler.OnHeaderField(data[mark..]);
                return data.Length;
            }

            pos += end;
            ReadOnlySpan<byte> piece = data[mark..pos];
            if (piece.Length > 0)
            {
                handler.OnHeaderField(piece);
            }

            if (data[pos] != ':')
            {
                // RFC 9112 §5.1: no whitespace between a field name and its colon.
                return data[pos] == ' '
                    ? Fail(HttpParserError.InvalidHeaderToken, "Invalid header field char", pos)
                    : Fail(HttpParserError.InvalidHeaderToken, "Invalid header token", pos);
            }

            if (!BeginField(KnownHeaders.Classify(CompleteScratch(piece)), pos))
            {
                return pos;
            }

            pos++;
            _state = ParserState.HeaderValueStart;
            if (_pauseRequested)
            {
                return pos;
            }
        }

    ValueStart:
        while (pos < data.Length && data[pos] is (byte)' ' or (byte)'\t')
        {
            pos++;
        }

        if (pos == data.Length)
        {
            return pos;
        }

        b = data[pos];
        if (b == '\r')
        {
            pos++;
            _state = ParserState.HeaderValueStartLf;
            goto ValueStartLf;
        }

        if (b == '\n')
        {
            return Fail(HttpParserError.InvalidHeaderToken, "Invalid header value char", pos);
        }

        mark = pos;
        if (!BeginValue(pos))
        {
            return pos;
        }

        if (_state == ParserState.HeaderValueSpecial)
        {
            goto SpecialValue;
        }

    Value:
        {
            int end = data[pos..].IndexOfAnyExcept(HttpCharacters.FieldValue);
            if (end < 0)
            {
                handler.OnHeaderValue(data[mark..]);
                return data.Length;
            }

            pos += end;
            if (pos > mark)
            {
                handler.OnHeaderValue(data[mark..pos]);
            }

            if (data[pos] != '\r')
            {
                return FailFieldValue(data[pos], pos);
            }

            pos++;
            _state = ParserState.HeaderValueLf;
            goto ValueLf;
        }

    SpecialValue:
        for (; pos < data.Length; pos++)
        {
            b = data[pos];
            if (b == '\r')
            {
                break;
            }

            if (!HttpCharacters.IsFieldValue(b) || !StepSpecialValue(b, pos))
            {
                break;
            }
        }

        if (pos > mark)
        {
            handler.OnHeaderValue(data[mark..pos]);
        }

        if (pos == data.Length || _error != HttpParserError.None)
        {
            return pos;
        }

        if (b != '\r')
        {
            return FailFieldValue(b, pos);
        }

        EndSpecialValue();
        pos++;
        _state = ParserState.HeaderValueLf;

    ValueLf:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\n')
        {
            return Fail(HttpParserError.LfExpected, "Missing expected LF after header value", pos);
        }

        _state = ParserState.HeaderFieldStart;
        return pos + 1;

    ValueStartLf:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\n')
        {
            return Fail(HttpParserError.Strict, "Expected LF after CR", pos);
        }

        if (_headerKind == HeaderKind.ContentLength)
        {
            return Fail(HttpParserError.InvalidContentLength, "Empty Content-Length", pos + 1);
        }

        _state = ParserState.HeaderFieldStart;
        handler.OnHeaderValue(default);
        return pos + 1;

    HeadersLf:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\n')
        {
            return Fail(HttpParserError.Strict, "Expected LF after headers", pos);
        }

        pos++;
        if ((_flags & HttpParserFlags.Trailing) != 0)
        {
            _state = ParserState.MessageDone;
            handler.OnChunkComplete();
            return pos;
        }

        return CompleteHead(ref handler, pos);
    }

    private int FailFieldStart(byte b, int pos)
    {
        if (b is (byte)' ' or (byte)'\t')
        {
            if (_headerCount > 0)
            {
                // Obsolete line folding (RFC 9112 §5.2): a server must reject it or unfold it; llhttp rejects.
                return Fail(HttpParserError.InvalidHeaderToken, "Unexpected whitespace after header value", pos);
            }

            if (b == ' ' && (_flags & HttpParserFlags.Trailing) == 0)
            {
                // RFC 9112 §2.2: whitespace between the start line and the first field is an error.
                return Fail(HttpParserError.UnexpectedSpace, "Unexpected space after start line", pos);
            }
        }

        return b == '\n'
            ? Fail(HttpParserError.InvalidHeaderToken, "Invalid header field char", pos)
            : Fail(HttpParserError.InvalidHeaderToken, "Invalid header token", pos);
    }

    private int FailFieldValue(byte b, int pos) => b == '\n'
        ? Fail(HttpParserError.CrExpected, "Missing expected CR after header value", pos)
        : Fail(HttpParserError.InvalidHeaderToken, "Invalid header value char", pos);
}
