namespace Uvnet.Server.StaticFiles;

/// <summary>A run of a file to send as the body (with sendfile): <see cref="Length"/> bytes from <see cref="Offset"/>.</summary>
/// <param name="Path">The file's resolved path.</param>
/// <param name="Offset">Where the body starts in the file.</param>
/// <param name="Length">How many bytes; the Content-Length.</param>
public readonly record struct FileBody(string Path, long Offset, long Length);

/// <summary>
/// The response <see cref="StaticFileHandler"/> decided on: a status, header fields, and a body that is a run
/// of a file (<see cref="File"/>), bytes in memory (<see cref="Body"/>), or nothing (<see cref="SendBody"/>
/// false: HEAD, 304). Its Date is the time its validators were decided at; Server and Connection are the HTTP
/// server's to add.
/// </summary>
public sealed class StaticFileResponse
{
    private readonly List<KeyValuePair<string, string>> _headers;

    internal StaticFileResponse(int statusCode, List<KeyValuePair<string, string>> headers, FileBody? file, ReadOnlyMemory<byte> body, bool sendBody)
    {
        StatusCode = statusCode;
        _headers = headers;
        File = file;
        Body = body;
        SendBody = sendBody;
    }

    /// <summary>The status code: 200, 204 (a CORS preflight), 206, 301, 304, 400, 401, 403, 404, 405, 412 or 416.</summary>
    public int StatusCode { get; }

    /// <summary>The header fields to set, in order; Content-Length among them whenever the status has a body.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The file run to send as the body, or null when the body is <see cref="Body"/>.</summary>
    public FileBody? File { get; }

    /// <summary>The body when it is not a file (a listing, an error page); empty otherwise.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Whether to send the body: false for HEAD (whose Content-Length still tells GET's) and 304.</summary>
    public bool SendBody { get; }

    /// <summary>The body's length: the file run's or <see cref="Body"/>'s.</summary>
    public long ContentLength => File?.Length ?? Body.Length;

    /// <summary>Sets the Date field, first: <paramref name="now"/>, the time the response was decided at.</summary>
    internal void AddDate(DateTimeOffset now) => _headers.Insert(0, new("Date", HttpDate.Format(now)));

    /// <summary>Sets field <paramref name="name"/>, replacing a field of that name the decision set.</summary>
    internal void AddHeader(string name, string value)
    {
        _headers.RemoveAll(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        _headers.Add(new(name, value));
    }

    /// <summary>The value of header field <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        return null;
    }
}
