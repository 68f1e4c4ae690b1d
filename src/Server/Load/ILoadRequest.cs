namespace Uvnet.Server.Load;

/// <summary>
/// What a load connection (<see cref="Http1LoadConnection"/>, <see cref="Http2LoadConnection"/>) tells the request it
/// carries; exactly one of the last three ends it.
/// </summary>
internal interface ILoadRequest
{
    /// <summary>The final response's status (interim 1xx responses are skipped).</summary>
    void OnStatus(int status);

    /// <summary><paramref name="length"/> body bytes (framing and padding excluded).</summary>
    void OnBody(int length);

    /// <summary>The response ended, after its head, body and any trailers.</summary>
    void OnEnd();

    /// <summary>The request failed: the connection failed, was cut or timed out, the response was malformed (HTTP/2: the stream was reset or refused by GOAWAY).</summary>
    void OnFailed(LoadError kind);

    /// <summary>
    /// The request was not served and may go out again on another connection, its start time kept: HTTP/2, the
    /// connection went away before it was sent; HTTP/1.1, a connection reused after being idle closed before any byte
    /// of its response (the server's keep-alive close crossing it).
    /// </summary>
    void OnUnsent();
}
