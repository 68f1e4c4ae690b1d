namespace Uvnet.Http.Parsing;

public sealed partial class HttpResponseParser
{
    // The status line up to its reason phrase: "HTTP/d.d SSS", counted by _index.
    private const int VersionLength = 8;
    private const int CodeEnd = 12;

    /// <summary>
    /// Parses the status line (RFC 9112 §4): HTTP-version, one space, a three-digit status code, then one space and
    /// a reason phrase (possibly empty) or nothing, then CRLF. Returns at its end, at the end of
    /// <paramref name="data"/>, or on an error.
    /// </summary>
    private int ParseStatusLine<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpResponseParserHandler, allows ref struct
    {
        byte b;
        switch (_state)
        {
            case ParserState.StatusReason:
                goto Reason;
            case ParserState.StatusLineLf:
                goto LineLf;
        }

        if (_index == 0 && data.Length - pos > CodeEnd && TryTakeCommonStart(data.Slice(pos, CodeEnd)))
        {
            // The whole version and code are here and are the usual ones: taken at once.
            pos += CodeEnd;
            _index = CodeEnd;
        }

        for (; _index < CodeEnd; _index++, pos++)
        {
            if (pos == data.Length || !StepStatusLineStart(data[pos], pos))
            {
                return pos;
            }
        }

        if (pos == data.Length)
        {
            return pos;
        }

        b = data[pos++];
        if (b == '\r')
        {
            _state = ParserState.StatusLineLf;
            goto LineLf;
        }

        if (b != ' ')
        {
            return Fail(HttpParserError.InvalidStatus, "Invalid response status", pos - 1);
        }

        _state = ParserState.StatusReason;

    Reason:
        {
            // reason-phrase = *( HTAB / SP / VCHAR / obs-text ), RFC 9112 §4.
            int end = HttpCharacters.IndexOfNotFieldValue(data[pos..]);
            if (end < 0)
            {
                if (pos < data.Length)
                {
                    handler.OnStatus(data[pos..]);
                }

                return data.Length;
            }

            if (end > 0)
            {
                handler.OnStatus(data.Slice(pos, end));
            }

            pos += end;
            b = data[pos];
            if (b != '\r')
            {
                return b == '\n'
                    ? Fail(HttpParserError.CrExpected, "Missing expected CR after response line", pos)
                    : Fail(HttpParserError.InvalidStatus, "Invalid character in reason phrase", pos);
            }

            pos++;
            _state = ParserState.StatusLineLf;
        }

    LineLf:
        if (pos == data.Length)
        {
            return pos;
        }

        if (data[pos] != '\n')
        {
            return Fail(HttpParserError.Strict, "Expected LF after CR", pos);
        }

        _state = ParserState.HeaderFieldStart;
        return pos + 1;
    }

    /// <summary>Takes <c>HTTP/1.1 SSS</c> or <c>HTTP/1.0 SSS</c> whole; false (having done nothing) otherwise.</summary>
    private bool TryTakeCommonStart(ReadOnlySpan<byte> start)
    {
        uint hundreds = (uint)(start[9] - '0');
        uint tens = (uint)(start[10] - '0');
        uint units = (uint)(start[11] - '0');
        if (!(start.StartsWith("HTTP/1.1 "u8) || start.StartsWith("HTTP/1.0 "u8)) || hundreds > 9 || tens > 9 || units > 9)
        {
            return false;
        }

        _versionMajor = 1;
        _versionMinor = (byte)(start[7] - '0');
        _statusCode = (int)((hundreds * 100) + (tens * 10) + units);
        return true;
    }

    /// <summary>One byte of <c>HTTP/d.d SSS</c>, the <see cref="HttpMessageParser._index"/>-th.</summary>
    /// <returns>False, with the error set, when the byte is wrong.</returns>
    private bool StepStatusLineStart(byte b, int pos)
    {
        uint digit = (uint)(b - '0');
        switch (_index)
        {
            case < 5:
                if (b != "HTTP/"u8[_index])
                {
                    Fail(HttpParserError.InvalidConstant, "Expected HTTP/", pos);
                    return false;
                }

                return true;
            case 5:
                if (digit > 9)
                {
                    Fail(HttpParserError.InvalidVersion, "Invalid major version", pos);
                    return false;
                }

                _versionMajor = (byte)digit;
                return true;
            case 6:
                if (b != '.')
                {
                    Fail(HttpParserError.InvalidVersion, "Expected dot", pos);
                    return false;
                }

                return true;
            case 7:
                if (digit > 9)
                {
                    Fail(HttpParserError.InvalidVersion, "Invalid minor version", pos);
                    return false;
                }

                if (_versionMajor != 1)
                {
                    Fail(HttpParserError.UnsupportedVersion, "Unsupported HTTP version", pos + 1);
                    return false;
                }

                // RFC 9110 §2.5: HTTP/1.2 to 1.9 are processed as HTTP/1.1, the highest 1.x this parser implements.
                _versionMinor = (byte)Math.Min(digit, 1);
                return true;
            case VersionLength:
                if (b != ' ')
                {
                    Fail(HttpParserError.InvalidVersion, "Expected space after version", pos);
                    return false;
                }

                return true;
            default:
                if (digit > 9)
                {
                    Fail(HttpParserError.InvalidStatus, "Invalid status code", pos);
                    return false;
                }

                _statusCode = (_statusCode * 10) + (int)digit;
                return true;
        }
    }
}
