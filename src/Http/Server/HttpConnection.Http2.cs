using Uvnet.Http.Http2;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>What an HTTP/2 connection (<see cref="Http2Connection"/>) running on this connection's socket uses of it: its pools and its dispatch.</summary>
internal sealed partial class HttpConnection
{
    /// <summary>The HTTP/2 connection this socket speaks, or null (HTTP/1.1, or not decided yet).</summary>
    internal Http2Connection? Http2Connection => _h2;

    /// <summary>A request that never reached a handler (a refused or malformed stream) goes back to the pool.</summary>
    internal void ReturnRequest(IncomingMessage request)
    {
        request.Recycle();
        Server.FreeRequests.Push(request);
    }

    /// <summary>The response to a new stream's request, from the pool.</summary>
    internal ServerResponse RentResponse(IncomingMessage request)
    {
        ServerResponse response = Server.FreeResponses.TryPop(out ServerResponse? free) ? free : new ServerResponse();
        response.Begin(this, request, keepAlive: true);
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
