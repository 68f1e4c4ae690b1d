namespace Uvnet.Http.Parsing;

/// <summary>
/// The protocol a request line names before its version, as llhttp recognises them. Only
/// <see cref="Http"/> with version 1.0 or 1.1 is HTTP/1.x (see <see cref="HttpRequestParser.IsHttp1"/>): an HTTP
/// server answers anything else with 505 HTTP Version Not Supported and closes the connection.
/// </summary>
public enum HttpProtocol : byte
{
    /// <summary><c>HTTP/</c>, or no protocol at all: an HTTP/0.9 request line (version 0.9).</summary>
    Http,

    /// <summary><c>RTSP/</c> (RFC 2326), with one of RTSP's methods, or GET or POST (AirPlay), or FLUSH (RAOP).</summary>
    Rtsp,

    /// <summary><c>ICE/</c> (Icecast's source protocol), with the SOURCE method only.</summary>
    Ice,
}
