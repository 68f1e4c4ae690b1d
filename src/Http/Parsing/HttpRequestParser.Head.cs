namespace Uvnet.Http.Parsing;

public sealed partial class HttpRequestParser
{
    /// <summary>
    /// Parses the request line, the header section or the trailer section, never past the limits: the
    /// bytes it may still read are a prefix of <paramref name="data"/> (the window), so a head that does
    /// not end within <see cref="HttpParserLimits.MaxHeaderBytes"/> is an error at the first byte beyond.
    /// </summary>
    private int ParseHead<THandler>(ref THandler handler, ReadOnlySpan<byte> data, int pos)
        where THandler : IHttpParserHandler, allows ref struct
    {
        int budget = _maxHeaderBytes - _headBytes;
        ReadOnlySpan<byte> window = data.Length - pos > budget ? data[..(pos + budget)] : data;
        int start = pos;
        while (pos < window.Length && _error == HttpParserError.None && !_pauseRequested
            && _state is >= ParserState.Method and <= ParserState.HeadersLf)
        {
            pos = _state <= ParserState.RequestLineLf
                ? ParseRequestLine(ref handler, window, pos)
                : ParseFieldLine(ref handler, window, pos);
        }

        if (_state is >= ParserState.Method and <= ParserState.HeadersLf)
        {
            _headBytes += pos - start;
            if (pos == window.Length && window.Length < data.Length && _error == HttpParserError.None)
            {
                return Fail(HttpParserError.HeaderOverflow, "Header section too large", pos);
            }
        }

        return pos;
    }
}
