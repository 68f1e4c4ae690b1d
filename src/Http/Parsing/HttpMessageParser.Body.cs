namespace Uvnet.Http.Parsing;

public abstract partial class HttpMessageParser
{
    private const long MaxChunkSizeBeforeDigit = long.MaxValue >> 4;

    /// <summary>
    /// Parses body bytes: a body delimited by the close (every byte is body), a Content-Length body, or a chunked
    /// body's size lines, extensions and data (RFC 9112 §7.1). Returns at the end of each element, of
    /// <paramref name="data"/>, or on an error.
    /// </summary>
    private int ParseBody<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpMessageParserHandler, allows ref struct
    {
        switch (_state)
        {
            case ParserState.BodyToEof:
                handler.OnBody(data[pos..]);
                return data.Length;

            case ParserState.BodyIdentity:
            case ParserState.ChunkData:
                {
                    int length = (int)Math.Min(_remaining, data.Length - pos);
                    _remaining -= length;
                    if (_remaining == 0)
                    {
                        _state = _state == ParserState.BodyIdentity ? ParserState.MessageDone : ParserState.ChunkDataCr;
                    }

                    handler.OnBody(data.Slice(pos, length));
                    return pos + length;
                }

            case ParserState.ChunkDataCr:
                return data[pos] switch
                {
                    (byte)'\r' => Advance(ParserState.ChunkDataLf, pos),
                    (byte)'\n' => Fail(HttpParserError.CrExpected, "Missing expected CR after chunk data", pos),
                    _ => Fail(HttpParserError.Strict, "Expected LF after chunk data", pos),
                };

            case ParserState.ChunkDataLf:
                if (data[pos] != '\n')
                {
                    return Fail(HttpParserError.Strict, "Expected LF after chunk data", pos);
                }

                _state = ParserState.ChunkSizeStart;
                handler.OnChunkComplete();
                return pos + 1;

            case ParserState.ChunkSizeLf:
                if (data[pos] != '\n')
                {
                    return Fail(HttpParserError.Strict, "Expected LF after chunk size", pos);
                }

                if (_remaining == 0)
                {
                    // The last chunk: the trailer section follows, a head of its own against the limits.
                    _flags |= HttpParserFlags.Trailing;
                    _headBytes = 0;
                    _headerCount = 0;
                    _state = ParserState.HeaderFieldStart;
                }
                else
                {
                    _state = ParserState.ChunkData;
                }

                handler.OnChunkHeader(_remaining);
                return pos + 1;

            default:
                return ParseChunkLine(data, pos);
        }
    }

    private int Advance(ParserState next, int pos)
    {
        _state = next;
        return pos + 1;
    }

    /// <summary>
    /// Parses a chunk's size and extensions up to its CR: chunk-size [ chunk-ext ] (RFC 9112 §7.1.1). As llhttp
    /// by default, no whitespace is allowed around the size or the extensions' ';' and '='.
    /// </summary>
    private int ParseChunkLine(ReadOnlySpan<byte> data, int pos)
    {
        for (; pos < data.Length; pos++)
        {
            byte b = data[pos];
            if (_state >= ParserState.ChunkExtensionStart && ++_chunkExtensionBytes > _maxChunkExtensionBytes)
            {
                return Fail(HttpParserError.ChunkExtensionsOverflow, "Chunk extensions overflow", pos);
            }

            switch (_state)
            {
                case ParserState.ChunkSizeStart:
                    int first = HttpCharacters.HexValue(b);
                    if (first < 0)
                    {
                        return Fail(HttpParserError.InvalidChunkSize, "Invalid character in chunk size", pos);
                    }

                    _remaining = first;
                    _state = ParserState.ChunkSize;
                    break;
                case ParserState.ChunkSize:
                    int digit = HttpCharacters.HexValue(b);
                    if (digit >= 0)
                    {
                        if (_remaining > MaxChunkSizeBeforeDigit)
                        {
                            return Fail(HttpParserError.InvalidChunkSize, "Chunk size overflow", pos);
                        }

                        _remaining = (_remaining << 4) | (uint)digit;
                    }
                    else if (b == ';')
                    {
                        _state = ParserState.ChunkExtensionStart;
                    }
                    else
                    {
                        return EndChunkLine(b, HttpParserError.InvalidChunkSize, "Invalid character in chunk size", pos);
                    }

                    break;
                case ParserState.ChunkExtensionStart:
                    if (!HttpCharacters.IsToken(b))
                    {
                        return Fail(HttpParserError.Strict, "Invalid character in chunk extensions", pos);
                    }

                    _state = ParserState.ChunkExtensionName;
                    break;
                case ParserState.ChunkExtensionName:
                    if (b == '=')
                    {
                        _state = ParserState.ChunkExtensionValueStart;
                    }
                    else if (!HttpCharacters.IsToken(b))
                    {
                        return EndExtension(b, "Invalid character in chunk extensions name", pos);
                    }

                    break;
                case ParserState.ChunkExtensionValueStart:
                    if (b == '"')
                    {
                        _state = ParserState.ChunkExtensionQuoted;
                    }
                    else if (HttpCharacters.IsToken(b))
                    {
                        _state = ParserState.ChunkExtensionValue;
                    }
                    else
                    {
                        return Fail(HttpParserError.Strict, "Invalid character in chunk extensions value", pos);
                    }

                    break;
                case ParserState.ChunkExtensionValue:
                    if (!HttpCharacters.IsToken(b))
                    {
                        return EndExtension(b, "Invalid character in chunk extensions value", pos);
                    }

                    break;
                case ParserState.ChunkExtensionQuoted:
                    if (b == '"')
                    {
                        _state = ParserState.ChunkExtensionQuotedEnd;
                    }
                    else if (b == '\\')
                    {
                        _state = ParserState.ChunkExtensionQuotedPair;
                    }
                    else if (!HttpCharacters.IsQuotedText(b))
                    {
                        return Fail(HttpParserError.Strict, "Invalid character in chunk extensions quoted value", pos);
                    }

                    break;
                case ParserState.ChunkExtensionQuotedPair:
                    if (!HttpCharacters.IsQuotedPairText(b))
                    {
                        return Fail(HttpParserError.Strict, "Invalid quoted-pair in chunk extensions quoted value", pos);
                    }

                    _state = ParserState.ChunkExtensionQuoted;
                    break;
                default:
                    return EndExtension(b, "Invalid character in chunk extensions quote value", pos);
            }
        }

        return pos;
    }

    /// <summary>After an extension's name or value: another extension, or the end of the line.</summary>
    private int EndExtension(byte b, string reason, int pos)
    {
        if (b == ';')
        {
            _state = ParserState.ChunkExtensionStart;
            return pos + 1;
        }

        return EndChunkLine(b, HttpParserError.Strict, reason, pos);
    }

    /// <summary>The chunk line ends at a CR; a bare LF or anything else is an error.</summary>
    private int EndChunkLine(byte b, HttpParserError otherwise, string reason, int pos) => b switch
    {
        (byte)'\r' => Advance(ParserState.ChunkSizeLf, pos),
        (byte)'\n' => Fail(HttpParserError.CrExpected, "Missing expected CR after chunk size", pos),
        _ => Fail(otherwise, reason, pos),
    };
}
