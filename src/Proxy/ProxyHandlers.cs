using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Proxy;

/// <summary>
/// The event handlers every exchange of a proxy subscribes, made once per proxy: each finds its exchange through the
/// proxy's tables, so a request costs no delegate of its own.
/// </summary>
internal sealed class ProxyHandlers
{
    internal ProxyHandlers(ProxyServer proxy)
    {
        RequestData = (req, data) => ProxyServer.Of(req)?.OnRequestData(data);
        RequestEnd = req => ProxyServer.Of(req)?.OnRequestEnd();
        ResponseClose = res => ProxyServer.Of(res.Request)?.Finish();
        ResponseDrain = res => ProxyServer.Of(res.Request)?.OnDownstreamDrain();
        UpstreamResponse = (up, res) => ProxyServer.Of(up)?.OnUpstreamResponse(res);
        UpstreamError = (up, e) => ProxyServer.Of(up)?.OnUpstreamError(up, e);
        UpstreamDrain = up => ProxyServer.Of(up)?.ResumeDownstream();
        UpstreamContinue = up => ProxyServer.Of(up)?.Response?.WriteContinue();
        UpstreamUpgrade = (up, res, socket, head) =>
        {
            if (ProxyServer.Of(up) is { } exchange)
                exchange.OnUpstreamUpgrade(res, socket, head);
            else
                socket.Destroy();
        };
        UpstreamSocket = (up, socket) => ProxyServer.Of(up)?.OnUpstreamAssigned(socket);
        UpstreamData = (res, data) => ProxyServer.Of(res.Request)?.OnUpstreamData(data);
        UpstreamDataRaw = (res, data) => ProxyServer.Of(res.Request)?.OnUpstreamDataRaw(data);
        UpstreamEnd = res => ProxyServer.Of(res.Request)?.OnUpstreamEnd();
        UpstreamBodyError = (res, _) => ProxyServer.Of(res.Request)?.OnUpstreamBodyError();
        UpstreamConnected = socket =>
        {
            socket.Connected -= UpstreamConnected;
            proxy.Of(socket)?.OnUpstreamConnected();
        };
        SocketEnded = socket => (socket.UserData as ProxyConnection)?.OnPeerEnded();
        SocketClosed = (socket, _) => (socket.UserData as ProxyConnection)?.OnClosed();
        SocketDrain = socket => (socket.UserData as ProxyConnection)?.Upgrading?.OnDownstreamDrain();
        Timer = timer => (timer.Data as ProxyExchange)?.OnTimer();
    }

    internal RequestDataHandler RequestData { get; }
    internal Action<IncomingMessage> RequestEnd { get; }
    internal Action<ServerResponse> ResponseClose { get; }
    internal Action<ServerResponse> ResponseDrain { get; }
    internal Action<ClientRequest, ClientResponse> UpstreamResponse { get; }
    internal Action<ClientRequest, Exception> UpstreamError { get; }
    internal Action<ClientRequest> UpstreamDrain { get; }
    internal Action<ClientRequest> UpstreamContinue { get; }
    internal Action<ClientRequest, ClientResponse, Socket, byte[]> UpstreamUpgrade { get; }
    internal Action<ClientRequest, Socket> UpstreamSocket { get; }
    internal ResponseDataHandler UpstreamData { get; }
    internal ResponseDataHandler UpstreamDataRaw { get; }
    internal Action<ClientResponse> UpstreamEnd { get; }
    internal Action<ClientResponse, Exception> UpstreamBodyError { get; }
    internal Action<Socket> UpstreamConnected { get; }
    internal Action<Socket> SocketEnded { get; }
    internal Action<Socket, bool> SocketClosed { get; }
    internal Action<Socket> SocketDrain { get; }
    internal Action<TimerHandle> Timer { get; }
}
