using Uvnet.Http.Http2;

namespace Uvnet.Http.Server;

/// <summary>The server's side of the HTTP/2 stream-level API (Node's <c>http2</c> core API).</summary>
public sealed partial class HttpServer
{
    /// <summary>
    /// Raised for each HTTP/2 stream a client opens, as Node's http2 server <c>'stream'</c>: the stream
    /// (<see cref="ServerHttp2Stream"/>), its request headers (the pseudo-headers are the stream's
    /// <see cref="ServerHttp2Stream.Method"/>, <see cref="ServerHttp2Stream.Path"/>, <see cref="ServerHttp2Stream.Authority"/>
    /// and <see cref="ServerHttp2Stream.Scheme"/>) and the flags of its HEADERS. As in Node, the compatibility API is one
    /// more listener of it: when <see cref="Request"/> has a handler too, the request goes to it first (with
    /// 100-continue and CONNECT handled as without this event), then to this one; without one, this event alone
    /// answers (no automatic 100, CONNECT included). HTTP/1.1 requests never reach it. A handler that throws is
    /// reported to <see cref="HandlerError"/> and the stream answered 500 (reset, once its head was sent).
    /// </summary>
    public event Http2StreamHandler? Stream;

    /// <summary>Whether HTTP/2 streams go to <see cref="Stream"/>.</summary>
    internal bool HandlesStream => Stream is not null;

    /// <summary>Whether the compatibility API has a handler (Node sets it up on the first <c>'request'</c> listener).</summary>
    internal bool HandlesRequest => Request is not null;

    /// <summary>Raises <see cref="Stream"/>, containing a handler that throws as a throwing request handler is.</summary>
    internal void RaiseStream(ServerHttp2Stream stream, IncomingMessage request, ServerResponse response, bool endStream)
    {
        try
        {
            // A copy: the request's own headers are reloaded when the pooled pair serves a later request.
            Stream?.Invoke(stream, request.Headers.Snapshot(), Http2HeadersFlags.EndHeaders | (endStream ? Http2HeadersFlags.EndStream : 0));
        }
        catch (Exception e)
        {
            ReportHandlerError(e, request);
            FailHandler(response);
        }
    }
}
