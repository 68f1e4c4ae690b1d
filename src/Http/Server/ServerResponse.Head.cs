using System.Globalization;

namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>Sets a header, replacing any of the same name (any case).</summary>
    /// <exception cref="ArgumentException">
    /// The name is not a token (ERR_INVALID_HTTP_TOKEN); the value holds a control character other than HTAB (CR
    /// and LF would split the response), DEL or a character above 0xFF (ERR_INVALID_CHAR); a Content-Length is not
    /// a decimal number of bytes. Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse SetHeader(string name, string value)
    {
        ThrowIfHeadersSent();
        ValidateField(name, value);
        RemoveHeaderCore(name, _headers.Count);
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>
    /// Sets a header with several values, one field line each, never joined (as <c>Set-Cookie</c> needs); it
    /// replaces any header of the same name (any case).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// As <see cref="SetHeader(string, string)"/> for any of the values, or several values for Content-Length.
    /// Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse SetHeader(string name, IEnumerable<string> values)
    {
        ThrowIfHeadersSent();
        FieldValidation.ValidateName(name, "Header");
        ArgumentNullException.ThrowIfNull(values);
        IReadOnlyList<string> list = values as IReadOnlyList<string> ?? [.. values];
        foreach (string value in list)
            ValidateField(name, value);
        if (list.Count > 1)
            ThrowIfSingleValued(name);
        RemoveHeaderCore(name, _headers.Count);
        foreach (string value in list)
            _headers.Add(new(name, value));
        return this;
    }

    /// <summary>
    /// The value of the header <paramref name="name"/> (any case), or null; several values are joined with ", ",
    /// except <c>Set-Cookie</c>'s, whose first is returned (see <see cref="GetHeaderValues"/>).
    /// </summary>
    public string? GetHeader(string name) => HttpHeaders.Join(_headers, name);

    /// <summary>Every value of the header <paramref name="name"/> (any case), in the order they are sent.</summary>
    public IReadOnlyList<string> GetHeaderValues(string name) => HttpHeaders.All(_headers, name);

    /// <summary>Whether the header <paramref name="name"/> is set.</summary>
    public bool HasHeader(string name) => IndexOfHeader(name, 0, _headers.Count) >= 0;

    /// <summary>Removes the header <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void RemoveHeader(string name)
    {
        ThrowIfHeadersSent();
        RemoveHeaderCore(name, _headers.Count);
    }

    /// <summary>The names of the headers set, in order.</summary>
    public IReadOnlyList<string> GetHeaderNames() => _headers.Select(h => h.Key).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Sends the head now with <paramref name="statusCode"/> and the headers set (plus <paramref name="headers"/>,
    /// which replace those of the same name set before; a name repeated in <paramref name="headers"/>, as
    /// <c>Set-Cookie</c>, is sent once per pair), as Node's <c>writeHead</c>. A body written afterwards without a
    /// Content-Length header is chunked.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not between 100 and 999.</exception>
    /// <exception cref="ArgumentException">
    /// The status message or a header is invalid, as for <see cref="StatusMessage"/> and
    /// <see cref="SetHeader(string, string)"/>, or <paramref name="headers"/> holds several Content-Lengths.
    /// Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse WriteHead(int statusCode, string? statusMessage = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        Connection.Server.Loop.VerifyAccess();
        ThrowIfHeadersSent();
        ValidateStatusCode(statusCode);
        FieldValidation.ValidateStatusMessage(statusMessage);
        IReadOnlyList<KeyValuePair<string, string>> list = headers is null ? [] : headers as IReadOnlyList<KeyValuePair<string, string>> ?? [.. headers];
        int lengths = 0;
        foreach (var (name, value) in list)
        {
            ValidateField(name, value);
            if (Classify(name) == SpecialHeaders.ContentLength && ++lengths > 1)
                ThrowIfSingleValued(name);
        }

        StatusCode = statusCode;
        StatusMessage = statusMessage ?? StatusMessage;
        int earlier = _headers.Count;
        foreach (var (name, value) in list)
        {
            earlier -= RemoveHeaderCore(name, earlier); // the ones set before; this list's own pairs all stay
            _headers.Add(new(name, value));
        }
        WriteHeadCore(contentLength: null);
        Connection.OnResponseOutput(this);
        return this;
    }

    private static void ValidateStatusCode(int statusCode)
    {
        // Three digits (RFC 9112 §4), as Node's ERR_HTTP_INVALID_STATUS_CODE.
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
    }

    /// <summary>The check of every header a handler sets: the field's syntax, and a Content-Length the framing can trust.</summary>
    private static void ValidateField(string name, string value)
    {
        FieldValidation.ValidateName(name, "Header");
        FieldValidation.ValidateValue(name, value, "header");
        if (Classify(name) == SpecialHeaders.ContentLength && !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new ArgumentException($"Content-Length must be a decimal number of bytes [\"{value}\"].", nameof(value));
    }

    private static void ThrowIfSingleValued(string name)
    {
        // RFC 9110 §8.6: one length; two would leave the client to pick (a smuggling vector).
        if (Classify(name) == SpecialHeaders.ContentLength)
            throw new ArgumentException("Content-Length takes a single value.", nameof(name));
    }

    // Plain loops, not lambdas: setting a header is on the per-request path and must not allocate a closure.
    /// <summary>Removes the headers named <paramref name="name"/> among the first <paramref name="end"/>; how many.</summary>
    private int RemoveHeaderCore(string name, int end)
    {
        int removed = 0;
        for (int i = IndexOfHeader(name, 0, end); i >= 0; i = IndexOfHeader(name, i, end - removed))
        {
            _headers.RemoveAt(i);
            removed++;
        }
        return removed;
    }

    private int IndexOfHeader(string name, int start, int end)
    {
        for (int i = start; i < end; i++)
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
            sink.WriteLatin1(StatusMessage ?? StatusCodes.ReasonPhrase(status));
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
            sink.WriteLatin1(name);
            sink.Write(": "u8);
            sink.WriteLatin1(value);
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
