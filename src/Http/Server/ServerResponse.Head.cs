using System.Globalization;

namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>Sets a header, replacing any of the same name (any case).</summary>
    /// <exception cref="ArgumentException">
    /// The name is not a token (ERR_INVALID_HTTP_TOKEN); the value holds a control character other than HTAB (CR
    /// and LF would split the response), DEL or a character above 0xFF (ERR_INVALID_CHAR); a Content-Length is not
    /// a decimal number of bytes; a Transfer-Encoding applies chunked more than once. Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse SetHeader(string name, string value)
    {
        VerifyLoopThread();
        ThrowIfHeadersSent();
        var framing = new FramingCheck();
        ValidateField(name, value, ref framing);
        RemoveHeaderCore(name, _headers.Count);
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>
    /// Sets a header with several values, one field line each, never joined (as <c>Set-Cookie</c> needs); it
    /// replaces any header of the same name (any case).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// As <see cref="SetHeader(string, string)"/> for any of the values, several values for Content-Length, or
    /// values that apply chunked more than once. Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse SetHeader(string name, IEnumerable<string> values)
    {
        VerifyLoopThread();
        ThrowIfHeadersSent();
        FieldValidation.ValidateName(name, "Header");
        ArgumentNullException.ThrowIfNull(values);
        int earlier = _headers.Count;
        AddCheckedFields(values.Select(value => new KeyValuePair<string, string>(name, value)));
        RemoveHeaderCore(name, earlier);
        return this;
    }

    /// <summary>
    /// The value of the header <paramref name="name"/> (any case), or null; several values are joined with ", ",
    /// except <c>Set-Cookie</c>'s, whose first is returned (see <see cref="GetHeaderValues"/>).
    /// </summary>
    public string? GetHeader(string name)
    {
        VerifyLoopThread();
        return HttpHeaders.Join(_headers, name);
    }

    /// <summary>Every value of the header <paramref name="name"/> (any case), in the order they are sent.</summary>
    public IReadOnlyList<string> GetHeaderValues(string name)
    {
        VerifyLoopThread();
        return HttpHeaders.All(_headers, name);
    }

    /// <summary>Whether the header <paramref name="name"/> is set.</summary>
    public bool HasHeader(string name)
    {
        VerifyLoopThread();
        return IndexOfHeader(name, 0, _headers.Count) >= 0;
    }

    /// <summary>
    /// Removes the header <paramref name="name"/>. An automatic header stays removed, as in Node: no Date (this
    /// sets <see cref="SendDate"/> to false), no Server, no <c>Connection</c> line (the connection still closes
    /// when it would have; an HTTP/1.0 client, which then expects the close, gets it), no computed
    /// <c>Content-Length</c> (an HTTP/1.1 body is then chunked) and no automatic chunked coding (the body is then
    /// ended by closing the connection).
    /// </summary>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void RemoveHeader(string name)
    {
        VerifyLoopThread();
        ThrowIfHeadersSent();
        ArgumentNullException.ThrowIfNull(name);
        SpecialHeaders kind = Classify(name);
        if (kind == SpecialHeaders.Date)
            SendDate = false;
        else
            _removed |= kind;
        RemoveHeaderCore(name, _headers.Count);
    }

    /// <summary>The names of the headers set, lower-cased as Node's <c>getHeaderNames</c>, each once, in the order first set.</summary>
    public IReadOnlyList<string> GetHeaderNames()
    {
        VerifyLoopThread();
        return _headers.Select(h => h.Key.ToLowerInvariant()).Distinct().ToList();
    }

    /// <summary>
    /// A copy of the headers set, as Node's <c>getHeaders</c>: keyed by lower-cased name (looked up in any case), each
    /// value as <see cref="GetHeader"/> gives it (several joined with ", "; for <c>Set-Cookie</c>, whose values cannot be
    /// joined, see <see cref="GetHeaderValues"/>). Changing the copy changes nothing in the response.
    /// </summary>
    public Dictionary<string, string> GetHeaders()
    {
        VerifyLoopThread();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, _) in _headers)
        {
            if (!headers.ContainsKey(name))
                headers.Add(name.ToLowerInvariant(), HttpHeaders.Join(_headers, name)!);
        }
        return headers;
    }

    /// <summary>
    /// Sets the trailer fields sent after a chunked body, as Node's <c>addTrailers</c> (each call replaces those of the
    /// call before). They are sent only when the body is chunked (an HTTP/1.1 response without Content-Length); otherwise
    /// they are dropped, as in Node. Announce them with a <c>Trailer</c> header (RFC 9110 §6.6.2): set before the head
    /// is sent, it keeps <see cref="End(ReadOnlySpan{byte}, Action{Uvnet.Net.NetException?}?)"/> from computing a
    /// Content-Length, so that the body is chunked.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A name is not a token (ERR_INVALID_HTTP_TOKEN) or a value holds a control character other than HTAB, DEL or a
    /// character above 0xFF (ERR_INVALID_CHAR). Nothing is changed.
    /// </exception>
    public void AddTrailers(IEnumerable<KeyValuePair<string, string>> trailers)
    {
        VerifyLoopThread();
        ArgumentNullException.ThrowIfNull(trailers);
        var fields = new List<KeyValuePair<string, string>>(); // read once, checked whole before anything changes
        foreach (var (name, value) in trailers)
        {
            FieldValidation.ValidateName(name, "Trailer");
            FieldValidation.ValidateValue(name, value, "trailer");
            fields.Add(new(name, value));
        }
        (_trailers ??= []).Clear();
        _trailers.AddRange(fields);
    }

    /// <summary>The end of a chunked body: the last chunk, the trailers, the empty line.</summary>
    private void WriteLastChunk()
    {
        OutputBuffer sink = Sink;
        sink.Write("0\r\n"u8);
        if (_trailers is not null)
        {
            foreach (var (name, value) in _trailers)
                sink.WriteField(name, value);
        }
        sink.Write("\r\n"u8);
    }

    /// <summary>
    /// Sends the head now with <paramref name="statusCode"/> and the headers set (plus <paramref name="headers"/>,
    /// which replace those of the same name set before; a name repeated in <paramref name="headers"/>, as
    /// <c>Set-Cookie</c>, is sent once per pair), as Node's <c>writeHead</c>. A body written afterwards without a
    /// Content-Length header is chunked.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not between 100 and 999.</exception>
    /// <exception cref="ArgumentException">
    /// The status message or a header is invalid, as for <see cref="StatusMessage"/> and
    /// <see cref="SetHeader(string, string)"/>, or <paramref name="headers"/> holds several Content-Lengths or applies
    /// chunked more than once. Nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The head was already sent (ERR_HTTP_HEADERS_SENT).</exception>
    public ServerResponse WriteHead(int statusCode, string? statusMessage = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        VerifyLoopThread();
        ThrowIfHeadersSent();
        ValidateStatusCode(statusCode);
        FieldValidation.ValidateStatusMessage(statusMessage);
        int earlier = _headers.Count;
        if (headers is not null)
            AddCheckedFields(headers);

        StatusCode = statusCode;
        StatusMessage = statusMessage ?? StatusMessage;
        for (int added = _headers.Count - earlier, i = 0; i < added; i++)
            earlier -= RemoveHeaderCore(_headers[earlier + i].Key, earlier); // the ones set before; this list's own pairs all stay
        WriteHeadCore(PlanHead(contentLength: null));
        Connection.OnResponseOutput(this);
        return this;
    }

    /// <summary>
    /// Appends <paramref name="fields"/>, each checked as it is stored, in one reading: a list read twice could hand
    /// over other values the second time, unchecked (a lazy sequence, a caller's own list). If one is refused, the
    /// ones appended are taken back, so nothing is changed.
    /// </summary>
    private void AddCheckedFields(IEnumerable<KeyValuePair<string, string>> fields)
    {
        int earlier = _headers.Count;
        var framing = new FramingCheck();
        try
        {
            if (fields is List<KeyValuePair<string, string>> list)
            {
                // By index: a foreach over the interface would allocate its enumerator (a proxy passes a list per response).
                for (int i = 0; i < list.Count; i++)
                    AddCheckedField(list[i], ref framing);
            }
            else
            {
                foreach (var field in fields)
                    AddCheckedField(field, ref framing);
            }
        }
        catch
        {
            _headers.RemoveRange(earlier, _headers.Count - earlier);
            throw;
        }
    }

    private void AddCheckedField(KeyValuePair<string, string> field, ref FramingCheck framing)
    {
        ValidateField(field.Key, field.Value, ref framing);
        _headers.Add(field);
    }

    /// <summary>Forgets what a handler set for the head, so that the server's own answer (500, 408) goes out clean.</summary>
    internal void ResetHead()
    {
        _headers.Clear();
        _removed = SpecialHeaders.None;
        StatusMessage = null;
        SendDate = true;
    }

    private static void ValidateStatusCode(int statusCode)
    {
        // Three digits (RFC 9112 §4), as Node's ERR_HTTP_INVALID_STATUS_CODE.
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
    }

    /// <summary>
    /// The check of every header a handler sets: the field's syntax, and framing the client can trust, with the other
    /// fields set in the same call (<paramref name="framing"/>).
    /// </summary>
    private static void ValidateField(string name, string value, ref FramingCheck framing)
    {
        FieldValidation.ValidateName(name, "Header");
        FieldValidation.ValidateValue(name, value, "header");
        SpecialHeaders kind = Classify(name);
        if (kind == SpecialHeaders.ContentLength)
        {
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new ArgumentException($"Content-Length must be a decimal number of bytes [\"{value}\"].", nameof(value));
            // RFC 9110 §8.6: one length; two would leave the client to pick (a smuggling vector).
            if (++framing.Lengths > 1)
                throw new ArgumentException("Content-Length takes a single value.", nameof(name));
        }
        else if (kind == SpecialHeaders.TransferEncoding && (framing.Chunked += ReadCodings(value).Chunked) > 1)
        {
            // RFC 9112 §6.1: a client would undo chunked twice on a body the server chunks once.
            throw new ArgumentException($"Transfer-Encoding must not apply chunked more than once [\"{value}\"].", nameof(value));
        }
    }

    /// <summary>
    /// What the framing fields set in one call (all of a name's fields are: each call replaces them) add up to. A
    /// SetHeader or WriteHead call counts them as it checks each field.
    /// </summary>
    private struct FramingCheck
    {
        internal int Lengths;
        internal int Chunked;
    }

    /// <summary>
    /// Reads the transfer codings of a Transfer-Encoding value as a client does, ignoring empty list elements (RFC 9110
    /// §5.6.1): how many are chunked, and whether the last is (null when the value names none). The body is chunked
    /// only when chunked is last (RFC 9112 §6.1).
    /// </summary>
    private static (int Chunked, bool? ChunkedLast) ReadCodings(string value)
    {
        int chunked = 0;
        bool? last = null;
        foreach (Range element in value.AsSpan().Split(','))
        {
            ReadOnlySpan<char> coding = value.AsSpan()[element].Trim(" \t");
            if (coding.IsEmpty)
                continue;
            last = coding.Equals("chunked", StringComparison.OrdinalIgnoreCase);
            if (last == true)
                chunked++;
        }
        return (chunked, last);
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

    /// <summary>Headers the head writer treats specially, recognised by <see cref="Classify"/>.</summary>
    [Flags]
    internal enum SpecialHeaders : byte
    {
        None = 0,
        Date = 1,
        Server = 2,
        ContentLength = 4,
        TransferEncoding = 8,
        Connection = 16,
        Trailer = 32,
        KeepAlive = 64,
    }

    private static SpecialHeaders Classify(string name) => name.Length switch
    {
        4 when name.Equals("Date", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Date,
        6 when name.Equals("Server", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Server,
        7 when name.Equals("Trailer", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Trailer,
        10 when name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.KeepAlive,
        10 when name.Equals("Connection", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.Connection,
        14 when name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.ContentLength,
        17 when name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) => SpecialHeaders.TransferEncoding,
        _ => SpecialHeaders.None,
    };

    /// <summary>
    /// What the head says about the body and the connection, decided from the headers before a byte is written, so
    /// that a write the head cannot frame is refused with nothing sent.
    /// </summary>
    private struct HeadPlan
    {
        /// <summary>The handler's fields left out of the head (its Connection is always written from KeepAlive).</summary>
        internal SpecialHeaders Skip;

        /// <summary>The automatic fields written: Date, Server, Content-Length, Transfer-Encoding, Connection.</summary>
        internal SpecialHeaders Add;

        /// <summary>The Content-Length written automatically.</summary>
        internal long Length;

        /// <summary>The Content-Length the handler set, which the body must match; -1 when none binds it.</summary>
        internal long Declared;

        /// <summary>The special fields the handler set.</summary>
        internal SpecialHeaders Present;

        internal bool HasBody;
        internal bool Chunked;
        internal bool KeepAlive;
    }

    /// <summary>
    /// Decides the framing from the headers set: the server frames the body as the head says, whatever the handler
    /// set. <paramref name="contentLength"/> (from End) is the whole body's length, when known.
    /// </summary>
    /// <exception cref="InvalidOperationException">A <c>Trailer</c> header on a body that is not chunked (ERR_HTTP_TRAILER_INVALID).</exception>
    private HeadPlan PlanHead(long? contentLength)
    {
        HeadPlan plan = PlanFraming(contentLength);
        // As Node: trailers announced for a body that cannot carry them (only a chunked one can, RFC 9112 §7.1.2). A
        // response without content carries no trailers either, but its Trailer field may describe what GET would get.
        if ((plan.Present & SpecialHeaders.Trailer) != 0 && plan.HasBody && !plan.Chunked)
            throw new InvalidOperationException("Trailers are invalid with this transfer encoding (ERR_HTTP_TRAILER_INVALID).");
        return plan;
    }

    private HeadPlan PlanFraming(long? contentLength)
    {
        int status = StatusCode;
        bool http10 = _request.HttpVersionMinor == 0 && _request.HttpVersionMajor == 1;
        var plan = new HeadPlan
        {
            Skip = SpecialHeaders.Connection,
            Declared = -1,
            // RFC 9110 §6.4.1: no content for 1xx, 204 and 304; nor for HEAD (cleared by Begin).
            HasBody = _hasBody && status >= 200 && status is not (204 or 304),
            // A 1xx is interim (RFC 9110 §15.2): sent as the response, it leaves the client waiting for the final one,
            // which only the close can tell it will not come; kept alive, it would take the next response for it. The
            // last response of a closing connection says so.
            KeepAlive = KeepAlive && status >= 200 && !Connection.EndsAfter(this),
        };
        SpecialHeaders present = SpecialHeaders.None;
        long declared = -1;
        bool chunkedLast = false;
        foreach (var (name, value) in _headers)
        {
            SpecialHeaders kind = Classify(name);
            present |= kind;
            if (kind == SpecialHeaders.Connection && value.Contains("close", StringComparison.OrdinalIgnoreCase))
                plan.KeepAlive = false;
            else if (kind == SpecialHeaders.ContentLength)
                declared = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); // checked when set
            else if (kind == SpecialHeaders.TransferEncoding && ReadCodings(value).ChunkedLast is { } last)
                chunkedLast = last; // several fields make one list: its last coding is the last field's that names one
        }
        plan.Present = present;
        SpecialHeaders removed = _removed & ~present;
        if (SendDate && (present & SpecialHeaders.Date) == 0)
            plan.Add |= SpecialHeaders.Date;
        if (((present | removed) & SpecialHeaders.Server) == 0)
            plan.Add |= SpecialHeaders.Server;
        if ((removed & SpecialHeaders.Connection) == 0)
            plan.Add |= SpecialHeaders.Connection;
        else if (http10)
            plan.KeepAlive = false; // not told keep-alive, an HTTP/1.0 client waits for the close

        if ((present & SpecialHeaders.TransferEncoding) != 0)
        {
            if (plan.HasBody && !http10)
            {
                plan.Skip |= SpecialHeaders.ContentLength; // RFC 9112 §6.2: never with Transfer-Encoding
                plan.Chunked = chunkedLast;
                if (!chunkedLast)
                    plan.KeepAlive = false; // RFC 9112 §6.1: a body not chunked last is ended by the close
                return plan;
            }
            // A response without content has no transfer coding (nor then a length: RFC 9112 §6.2), and HTTP/1.0
            // knows none (RFC 9112 §6.1): there the body falls back on a length or the close.
            plan.Skip |= SpecialHeaders.TransferEncoding;
            if (!plan.HasBody)
            {
                plan.Skip |= SpecialHeaders.ContentLength;
                if (chunkedLast && status is 204 or 304)
                    plan.KeepAlive = false; // as Node: whoever set it may have misled a proxy about what follows
                return plan;
            }
        }
        if (status < 200 || status == 204)
        {
            plan.Skip |= SpecialHeaders.ContentLength; // RFC 9110 §8.6
            return plan;
        }
        if ((present & SpecialHeaders.ContentLength) != 0)
        {
            plan.Declared = plan.HasBody ? declared : -1;
            return plan;
        }
        if (status == 304)
            return plan; // a 304's Content-Length is the selected representation's: only the handler knows it
        // A Trailer field asks for trailers, which only a chunked body carries (as Node: no computed length then).
        if (contentLength is { } length && ((removed | present) & (SpecialHeaders.ContentLength | SpecialHeaders.Trailer)) == 0)
        {
            plan.Add |= SpecialHeaders.ContentLength; // a HEAD response's too: what GET would have sent
            plan.Length = length;
            return plan;
        }
        if (!plan.HasBody)
            return plan;
        if (http10)
            plan.KeepAlive = false; // HTTP/1.0 has no chunked coding: the end of the connection ends the body
        else if ((removed & SpecialHeaders.TransferEncoding) == 0)
            plan.Add |= SpecialHeaders.TransferEncoding;
        else
            plan.KeepAlive = false; // as Node: with both framing headers removed, only the close ends the body
        plan.Chunked = (plan.Add & SpecialHeaders.TransferEncoding) != 0;
        return plan;
    }

    /// <summary>Serialises the head as <paramref name="plan"/> says: status line, the handler's headers, then the automatic ones.</summary>
    private void WriteHeadCore(in HeadPlan plan)
    {
        HeadersSent = true;
        KeepAlive = plan.KeepAlive;
        _hasBody = plan.HasBody;
        _chunked = plan.Chunked;
        _declaredLength = plan.Declared;
        if (Stream is not null)
        {
            _chunked = false; // HTTP/2 frames the body itself (§8.1)
            WriteHeadHttp2(plan);
            return;
        }

        OutputBuffer sink = Sink;
        int status = StatusCode;
        HttpServer server = Connection.Server;
        // A handler that answers alike at every request gets its last head again, as one copy (see ResponseHeadCache);
        // a head with its own reason phrase is rendered each time.
        bool cacheable = StatusMessage is null;
        var key = new ResponseHeadCache.Key(status, plan.Skip, plan.Add, KeepAlive,
            (plan.Add & SpecialHeaders.ContentLength) != 0 ? plan.Length : 0,
            (plan.Add & SpecialHeaders.Date) != 0 ? server.Date.Refresh(server.Loop) : -1);
        if (cacheable && server.Heads.TryWrite(sink, key, _headers))
            return;
        int start = sink.Length;
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

        // The plan knows which kinds are present: when none is to be skipped, no name needs classifying again.
        bool skipSome = (plan.Present & plan.Skip) != 0;
        FieldLineCache lines = server.FieldLines;
        int written = 0;
        foreach (var (name, value) in _headers)
        {
            if (!skipSome || (Classify(name) & plan.Skip) == 0)
                lines.WriteField(sink, written++, name, value);
        }
        if ((plan.Add & SpecialHeaders.Date) != 0)
            sink.Write(server.Date.Line(server.Loop));
        if ((plan.Add & SpecialHeaders.Server) != 0 && server.ServerHeaderLine is { } serverLine)
            sink.Write(serverLine);
        if ((plan.Add & SpecialHeaders.ContentLength) != 0)
        {
            sink.Write("Content-Length: "u8);
            sink.WriteDecimal(plan.Length);
            sink.Write("\r\n"u8);
        }
        if ((plan.Add & SpecialHeaders.TransferEncoding) != 0)
            sink.Write("Transfer-Encoding: chunked\r\n"u8);
        if ((plan.Add & SpecialHeaders.Connection) != 0)
        {
            // As Node: keep-alive said, with the idle timeout (and request limit) the client may retire the connection
            // by before the server closes it, which avoids the race of a request sent as the server closes.
            if (!KeepAlive)
                sink.Write("Connection: close\r\n"u8);
            else if ((plan.Present & SpecialHeaders.KeepAlive) != 0)
                sink.Write("Connection: keep-alive\r\n"u8); // the handler's Keep-Alive field says the rest
            else
                sink.Write(server.KeepAliveLines);
        }
        sink.Write("\r\n"u8);
        if (cacheable)
            server.Heads.Remember(sink.Written[start..], key, _headers);
    }
}
