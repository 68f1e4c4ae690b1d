namespace Uvnet.Proxy.Hooks;

/// <summary>
/// The points of a request's life where filters run, in the order they are reached (BFE's callback points:
/// HandleAccept, HandleHandshake, HandleBeforeLocation, HandleFoundProduct, HandleForward, HandleReadResponse,
/// HandleRequestFinish, HandleFinish). <see cref="Accept"/>, <see cref="Handshake"/> and
/// <see cref="ConnectionFinished"/> belong to the connection: their exchange has no request.
/// </summary>
public enum HookPoint
{
    /// <summary>A connection was accepted, before any of its requests is read.</summary>
    Accept,

    /// <summary>The TLS handshake finished (raised only on TLS listeners, which do not exist yet).</summary>
    Handshake,

    /// <summary>A request's head arrived, before routing: the route can still be chosen by changing the request.</summary>
    RequestHead,

    /// <summary>A route and its cluster were found for the request.</summary>
    RouteFound,

    /// <summary>The upstream request is built and about to be sent: its head can still be changed.</summary>
    BeforeForward,

    /// <summary>The upstream response's head arrived, before it is sent downstream: its head can still be changed.</summary>
    ResponseHead,

    /// <summary>The response was sent (or the exchange ended otherwise): the connection may serve another request.</summary>
    RequestFinished,

    /// <summary>The connection closed.</summary>
    ConnectionFinished,
}
