using System.Buffers.Text;
using Uvnet.Http.Http2;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>What an HTTP/2 connection (<see cref="Http2Connection"/>) running on this connection's socket uses of it: its pools and its dispatch.</summary>
internal sealed partial class HttpConnection
{
    /// <summary>The HTTP/2 connection this socket speaks, or null (HTTP/1.1, or not decided yet).</summary>
    internal Http2Connection? Http2Connection => _h2;

    /// <summary>The HTTP2-Settings of the request being upgraded to h2c, or null.</summary>
    private byte[]? _h2cSettings;

    /// <summary>
    /// The client's settings when <paramref name="request"/> asks for h2c by Upgrade (RFC 7540 §3.2; RFC 9113 §3.1
    /// deprecates it, curl still uses it): HTTP/2 is on, the connection is plaintext, <c>Upgrade</c> names
    /// <c>h2c</c>, <c>Connection</c> names <c>HTTP2-Settings</c>, which is there once and is a valid SETTINGS payload
    /// in base64url, and the request has no body (one would have to be read as HTTP/1.1 before the switch). Otherwise
    /// null: the request is served as HTTP/1.1, as RFC 9110 §7.8 lets a server ignore Upgrade.
    /// </summary>
    private byte[]? H2cSettings(IncomingMessage request, HttpRequestParser parser)
    {
        if (!Server.Options.Http2 || Tls.TlsSocketExtensions.GetTlsConnection(Socket) is not null
            || parser.ContentLength > 0 || (parser.Flags & HttpParserFlags.Chunked) != 0)
            return null;
        HttpHeaders headers = request.Headers;
        if (!HasToken(headers.GetAll("upgrade"), "h2c") || !HasToken(headers.GetAll("connection"), "http2-settings"))
            return null;
        IReadOnlyList<string> values = headers.GetAll("http2-settings");
        if (values.Count != 1)
            return null;
        byte[] settings = new byte[Base64Url.GetMaxDecodedLength(values[0].Length)];
        if (Base64Url.DecodeFromChars(values[0].Trim(), settings, out _, out int length) != System.Buffers.OperationStatus.Done)
            return null;
        settings = settings[..length];
        if (length % 6 != 0 || new Http2Settings().TryApply(settings).IsError)
            return null;
        return settings;
    }

    private static bool HasToken(IReadOnlyList<string> values, string token)
    {
        foreach (string value in values)
        {
            foreach (string part in value.Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The h2c upgrade: 101, then HTTP/2 on this socket, the request answered on stream 1 (half closed, remote) with
    /// its handler called as for any stream; the bytes after the request's head are the client's preface.
    /// </summary>
    private void SwitchToHttp2(IncomingMessage request, byte[] settings, byte[] rest)
    {
        Output.Write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8);
        Flush(); // before the server's SETTINGS
        if (_readPaused)
        {
            _readPaused = false;
            Socket.Resume();
        }
        _h2 = new Http2Connection(this);
        _h2.AcceptUpgrade(request, settings);
        _h2.OnData(rest);
    }

    /// <summary>A request done with (or a refused or malformed stream's, which never reached a handler) goes back to the pool.</summary>
    internal void ReturnRequest(IncomingMessage request)
    {
        request.Recycle();
        Server.FreeRequests.Push(request);
    }

    /// <summary>The response to <paramref name="request"/> (an HTTP/1.1 one or a new stream's), from the server's pool.</summary>
    internal ServerResponse RentResponse(IncomingMessage request, bool keepAlive)
    {
        ServerResponse response = Server.FreeResponses.TryPop(out ServerResponse? free) ? free : new ServerResponse();
        response.Begin(this, request, keepAlive);
        return response;
    }

    /// <summary>A stream's response finished (or was reset): the pair goes back to the pool unless a handler holds it.</summary>
    internal void RetireHttp2(ServerResponse response) => Retire(response);

    /// <summary>
    /// Hands an HTTP/2 request to the server's handlers, as <see cref="DispatchRequest"/> does an HTTP/1.1 one: CONNECT
    /// is answered 501 (no tunnels over HTTP/2 here), <c>Expect: 100-continue</c> goes to CheckContinue or gets its
    /// 100 first.
    /// </summary>
    internal void DispatchHttp2(IncomingMessage request, ServerResponse response, bool expectsContinue)
    {
        request.Dispatched = true;
        if (request.KnownMethod == HttpRequestMethod.Connect)
        {
            Answer(response, 501);
            return;
        }
        if (expectsContinue)
        {
            if (Server.HandlesCheckContinue)
            {
                Hand(request, response, RequestEvent.CheckContinue);
                return;
            }
            response.WriteContinue();
        }
        Hand(request, response, RequestEvent.Request);
    }
}
