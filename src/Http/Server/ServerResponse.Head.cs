namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>Sets a header, replacing any of the same name (any case).</summary>
    /// <exception cref="ArgumentException">The name is not a token, or the value holds CR, LF or NUL (response splitting).</exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse SetHeader(string name, string value)
    {
        ThrowIfHeadersSent();
        Validate(name, value);
        RemoveHeaderCore(name);
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>Sets a header with several values, one field line each (as <c>Set-Cookie</c> needs).</summary>
    public ServerResponse SetHeader(string name, IEnumerable<string> values)
    {
        ThrowIfHeadersSent();
        RemoveHeaderCore(name);
        foreach (string value in values)
        {
            Validate(name, value);
            _headers.Add(new(name, value));
        }
        return this;
    }

    /// <summary>The value of the header <paramref name="name"/> (any case), or null; several values are joined with ", ".</summary>
    public string? GetHeader(string name)
    {
        string? found = null;
        foreach (var (n, v) in _headers)
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase))
                found = found is null ? v : $"{found}, {v}";
        }
        return found;
    }

    /// <summary>Whether the header <paramref name="name"/> is set.</summary>
    public bool HasHeader(string name) => IndexOfHeader(name, 0) >= 0;

    /// <summary>Removes the header <paramref name="name"/>.</summary>
    public void RemoveHeader(string name)
    {
        ThrowIfHeadersSent();
        RemoveHeaderCore(name);
    }

    /// <summary>The names of the headers set, in order.</summary>
    public IReadOnlyList<string> GetHeaderNames() => _headers.Select(h => h.Key).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Sends the head now with <paramref name="statusCode"/> and the headers set (plus <paramref name="headers"/>),
    /// as Node's <c>writeHead</c>. A body written afterwards without a Content-Length header is chunked.
    /// </summary>
    public ServerResponse WriteHead(int statusCode, string? statusMessage = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        Connection.Server.Loop.VerifyAccess();
        ThrowIfHeadersSent();
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
        StatusCode = statusCode;
        StatusMessage = statusMessage ?? StatusMessage;
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
                SetHeader(name, value);
        }
        WriteHeadCore(contentLength: null);
        Connection.OnResponseOutput(this);
        return this;
    }

    // Plain loops, not lambdas: setting a header is on the per-request path and must not allocate a closure.
    private void RemoveHeaderCore(string name)
    {
        for (int i = IndexOfHeader(name, 0); i >= 0; i = IndexOfHeader(name, i))
            _headers.RemoveAt(i);
    }

    private int IndexOfHeader(string name, int start)
    {
        for (int i = start; i < _headers.Count; i++)
        {
            if (_headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    private void ThrowIfHeadersSent()
    {
        if (HeadersSent)
            throw new InvalidOperationException("Cannot change headers after they are sent (ERR_HTTP_HEADERS_SENT).");
    }

    // RFC 9110 §5.6.2 token characters; values may not hold CR, LF or NUL (response splitting) or non-Latin-1.
    private static readonly System.Buffers.SearchValues<char> s_tokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // Latin-1 but CR, LF and NUL: a value outside these would split the response or not encode.
    private static readonly System.Buffers.SearchValues<char> s_valueChars = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(1, 255).Where(c => c is not ('\r' or '\n')).Select(c => (char)c)));

    private static void Validate(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.AsSpan().ContainsAnyExcept(s_tokenChars))
            throw new ArgumentException($"Invalid character in header name '{name}' (ERR_INVALID_HTTP_TOKEN).", nameof(name));
        if (value.AsSpan().ContainsAnyExcept(s_valueChars))
            throw new ArgumentException($"Invalid character in the value of header '{name}' (ERR_INVALID_CHAR).", nameof(value));
    }

    /// <summary>Headers the head writer treats specially, recognised by <see cref="Classify"/> as it writes each field.</summary>
    [Flags]
    private enum SpecialHeaders : byte
    {
        None = 0,
        Date = 1,
        Server = 2,
        ContentLength = 4,
        TransferEncoding = 8,
        Connection = 16,
    }

    private static SpecialHeaders Classify(string name) => name.Length switch
    {
        4 when name.Equals("Date", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Date,
        6 when name.Equals("Server", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Server,
        10 when name.Equals("Connection", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Connection,
        14 when name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.ContentLength,
        17 when name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.TransferEncoding,
        _ => SpecialHeaders.None,
    };

    /// <summary>
    /// Serialises the head: status line, the user's headers, Date and Server unless set, then the framing. With
    /// <paramref name="contentLength"/> (from End) the length is known; otherwise the body is chunked (HTTP/1.1)
    /// or delimited by closing the connection (HTTP/1.0).
    /// </summary>
    private void WriteHeadCore(long? contentLength)
    {
        HeadersSent = true;
        int status = StatusCode;
        // RFC 9110 §6.4.1: no content (nor framing) for 1xx, 204 and 304.
        bool statusAllowsBody = status >= 200 && status is not (204 or 304);
        if (!statusAllowsBody)
            _hasBody = false;

        OutputBuffer sink = Sink;
        if (StatusMessage is null && StatusCodes.EncodedStatusLine(status) is { } line)
        {
            sink.Write(line);
        }
        else
        {
            sink.Write("HTTP/1.1 "u8);
            sink.WriteDecimal(status);
            sink.Write(" "u8);
            sink.WriteAscii(StatusMessage ?? StatusCodes.ReasonPhrase(status));
            sink.Write("\r\n"u8);
        }

        SpecialHeaders present = SpecialHeaders.None;
        foreach (var (name, value) in _headers)
        {
            SpecialHeaders kind = Classify(name);
            present |= kind;
            if (kind == SpecialHeaders.Connection)
            {
                if (value.Contains("close", StringComparison.OrdinalIgnoreCase))
                    KeepAlive = false;
                continue; // written below from KeepAlive, once
            }
            sink.WriteAscii(name);
            sink.Write(": "u8);
            sink.WriteAscii(value);
            sink.Write("\r\n"u8);
        }
        bool hasDate = (present & SpecialHeaders.Date) != 0, hasServer = (present & SpecialHeaders.Server) != 0;
        bool hasLength = (present & SpecialHeaders.ContentLength) != 0, hasEncoding = (present & SpecialHeaders.TransferEncoding) != 0;
        if (SendDate && !hasDate)
            sink.Write(Connection.Server.Date.Line(Connection.Server.Loop));
        if (!hasServer && Connection.Server.ServerHeaderLine is { } serverLine)
            sink.Write(serverLine);

        bool http10 = Request.HttpVersionMinor == 0;
        if (statusAllowsBody && !hasLength && !hasEncoding)
        {
            if (contentLength is { } length)
            {
                sink.Write("Content-Length: "u8);
                sink.WriteDecimal(length);
                sink.Write("\r\n"u8);
            }
            else if (!http10)
            {
                _chunked = _hasBody;
                if (_chunked)
                    sink.Write("Transfer-Encoding: chunked\r\n"u8);
            }
            else
            {
                KeepAlive = false; // HTTP/1.0 has no chunked coding: the end of the connection ends the body
            }
        }
        if (!KeepAlive)
            sink.Write("Connection: close\r\n"u8);
        else if (http10)
            sink.Write("Connection: keep-alive\r\n"u8);
        sink.Write("\r\n"u8);
    }
}
