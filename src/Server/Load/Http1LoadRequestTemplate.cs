using Uvnet.Http.Client;

namespace Uvnet.Server.Load;

/// <summary>
/// The bytes of a <c>uvnet load</c> HTTP/1.1 request, made once by Uvnet's HTTP client (the same head and framing it
/// sends, validated as it validates) and laid <see cref="LoadOptions.Pipeline"/> times end to end, so that any number
/// of requests up to that goes out in one write of a slice that never changes (no copy, no buffer to return).
/// </summary>
internal sealed class Http1LoadRequestTemplate
{
    private readonly byte[] _requests;
    private readonly int _length;

    internal Http1LoadRequestTemplate(Loop loop, LoadOptions options)
    {
        byte[] one = ClientRequest.Serialize(loop, new RequestOptions
        {
            Host = options.Host,
            Port = options.Port,
            Path = options.Path,
            Method = options.Method,
            Headers = options.Headers,
            Tls = options.Tls,
        }, options.Body, out bool keepAlive);
        KeepAlive = keepAlive;
        // The method as sent: the HTTP client upper-cases it (a "head" is HEAD on the wire, its responses bodiless).
        string method = options.Method.ToUpperInvariant();
        IsHead = method == "HEAD";
        // As the HTTP client's retry of the keep-alive race: an idempotent method, or nothing of a body sent (RFC 9110 §9.2.2).
        Retryable = method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE" || options.Body is not { Length: > 0 };
        MaxBatch = keepAlive ? options.Pipeline : 1;
        _length = one.Length;
        _requests = new byte[one.Length * MaxBatch];
        for (int i = 0; i < MaxBatch; i++)
            one.CopyTo(_requests, i * one.Length);
    }

    /// <summary>Whether the request asks to keep the connection: without, a connection carries one request (none pipelined).</summary>
    internal bool KeepAlive { get; }

    /// <summary>Whether the responses have no body whatever their framing fields say (RFC 9110 §9.3.2).</summary>
    internal bool IsHead { get; }

    /// <summary>Whether a request the server's keep-alive close crossed may be sent again.</summary>
    internal bool Retryable { get; }

    /// <summary>The most requests one write carries.</summary>
    internal int MaxBatch { get; }

    /// <summary><paramref name="count"/> requests (at most <see cref="MaxBatch"/>) end to end.</summary>
    internal ReadOnlyMemory<byte> Requests(int count) => _requests.AsMemory(0, count * _length);
}
