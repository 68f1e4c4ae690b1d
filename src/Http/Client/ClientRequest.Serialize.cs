namespace Uvnet.Http.Client;

public sealed partial class ClientRequest
{
    /// <summary>
    /// The bytes <see cref="End(ReadOnlySpan{byte})"/> would send for <paramref name="options"/>' request with
    /// <paramref name="body"/>: head (the default Host and Connection fields added, Content-Length or chunked framing as
    /// End chooses) and body. Validated as <see cref="Http.Request(Loop, RequestOptions, Action{ClientResponse}?)"/>
    /// validates; nothing is sent, nothing connects. For a client that sends the same request many times without a
    /// request object each time (<c>uvnet load</c>).
    /// </summary>
    /// <param name="loop">The loop the request would run on.</param>
    /// <param name="options">The request; its agent (the loop's global one when none) sets the default keep-alive.</param>
    /// <param name="body">The whole body.</param>
    /// <param name="keepAlive">Whether the head asks to keep the connection (no <c>Connection: close</c>).</param>
    /// <exception cref="ArgumentException">The options are invalid, as for a request.</exception>
    /// <exception cref="InvalidOperationException">The body does not match a Content-Length field given, or the framing fields are ambiguous.</exception>
    internal static byte[] Serialize(Loop loop, RequestOptions options, ReadOnlySpan<byte> body, out bool keepAlive)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        ClientRequest request = Make(loop, options, options.Agent ?? Agent.GetGlobal(loop), method: null, callback: null, recyclable: false);
        request.VerifyLength(body.Length, ending: true);
        request.WriteHead(contentLength: body.Length);
        request.WriteBody(body);
        if (request._chunked)
            request._out.Write("0\r\n\r\n"u8);
        keepAlive = request.KeepAlive;
        byte[] bytes = request._out.Written.ToArray();
        request.ReleaseOutput();
        return bytes;
    }
}
