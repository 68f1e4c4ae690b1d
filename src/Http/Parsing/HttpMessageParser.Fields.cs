namespace Uvnet.Http.Parsing;

public abstract partial class HttpMessageParser
{
    /// <summary>
    /// Parses the field lines of the header or trailer section (RFC 9112 §5: name, colon, optional whitespace,
    /// value, CRLF) and the empty line that ends it. Returns at the end of the section, at the end of
    /// <paramref name="data"/>, or on an error or a pause.
    /// </summary>
    private int ParseFieldLine<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpMessageParserHandler, allows ref struct
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

        if (_headerCount == _maxHeaderCount)
        {
            return Fail(HttpParserError.HeaderOverflow, "Too many header fields", pos);
        }

        {
            int simple = ParseWholeFieldLines(ref handler, data, pos);
            if (simple != pos)
            {
                pos = simple;
                goto NextLine;
            }
        }

        _headerCount++;
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
            // Usually the whole value is here and is one common option ("keep-alive", "chunked"): take it at
            // once rather than byte by byte.
            int end = HttpCharacters.IndexOfNotFieldValue(data[pos..]);
            if (end < 0 || data[pos + end] != '\r' || !TryTakeCommonValue(data.Slice(pos, end)))
            {
                goto SpecialValue;
            }

            pos += end;
            handler.OnHeaderValue(data[mark..pos]);
            pos++;
            _state = ParserState.HeaderValueLf;
            goto ValueLf;
        }

    Value:
        {
            int end = HttpCharacters.IndexOfNotFieldValue(data[pos..]);
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

        pos++;
        goto NextLine;

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

        pos++;
        handler.OnHeaderValue(default);

    NextLine:
        // The next line follows in the same call (one call per header section, not per line) unless a
        // callback paused or the input ended.
        if (_pauseRequested || pos == data.Length)
        {
            _state = ParserState.HeaderFieldStart;
            return pos;
        }

        mark = pos;
        goto FieldStart;

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

        // The framing is settled by the parser of each kind of message, which owns the headers-complete callback.
        _state = ParserState.HeadersEnd;
        return pos;
    }

    /// <summary>
    /// The common case, as Kestrel takes it: consecutive whole lines of ordinary fields with values, each found
    /// with two vectorised scans and reported at once. Stops (returning where) at the first line that is not
    /// such a line, having reported nothing of it: a split, a framing field, an empty value, an error, the end
    /// of the section, a pause, or the field limit.
    /// </summary>
    private int ParseWholeFieldLines<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpMessageParserHandler, allows ref struct
    {
        while (_headerCount < _maxHeaderCount && !_pauseRequested)
        {
            ReadOnlySpan<byte> line = data[pos..];
            int nameEnd = 0;
            while ((uint)nameEnd < (uint)line.Length && HttpCharacters.IsToken(line[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd == 0 || nameEnd == line.Length || line[nameEnd] != ':')
            {
                break;
            }

            int valueStart = nameEnd + 1;
            while ((uint)valueStart < (uint)line.Length && line[valueStart] is (byte)' ' or (byte)'\t')
            {
                valueStart++;
            }

            int valueLength = HttpCharacters.IndexOfNotFieldValue(line[valueStart..]);
            int lf = valueStart + valueLength + 1;
            if (valueLength <= 0 || (uint)lf >= (uint)line.Length || line[lf - 1] != '\r' || line[lf] != '\n'
                || !TryTakeValueAtOnce(KnownHeaders.Classify(line[..nameEnd]), line.Slice(valueStart, valueLength)))
            {
                break;
            }

            _headerCount++;
            handler.OnHeaderField(line[..nameEnd]);
            handler.OnHeaderValue(line.Slice(valueStart, valueLength));
            pos += lf + 1;
            if (pos == data.Length || data[pos] is (byte)'\r' or (byte)' ' or (byte)'\t')
            {
                break;
            }
        }

        return pos;
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
