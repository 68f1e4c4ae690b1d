namespace Uvnet.Proxy.Hooks;

/// <summary>
/// A filter: one synchronous call per hook point, all of one shape (the exchange in, a <see cref="HookResult"/> out),
/// each returning <see cref="HookResult.Continue"/> unless overridden. Calls run on the exchange's loop thread; a call
/// that throws is answered 500 (or closes the connection once the response has started) and the proxy goes on.
/// A filter that waits for something (an auth call through the HTTP client) takes a handle with
/// <see cref="ProxyExchange.Pause"/>, returns <see cref="HookResult.Paused"/>, and resumes the handle later: nothing is
/// allocated for the pause itself.
/// </summary>
public abstract class ProxyFilter
{
    /// <summary>A connection was accepted (<see cref="ProxyExchange.Request"/> is null). Respond or Redirect answers each of its requests, then closes it.</summary>
    public virtual HookResult OnAccept(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The TLS handshake finished (not raised until TLS listeners exist).</summary>
    public virtual HookResult OnHandshake(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>A request's head arrived, before routing.</summary>
    public virtual HookResult OnRequestHead(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The route was found (<see cref="ProxyExchange.Route"/>).</summary>
    public virtual HookResult OnRouteFound(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The upstream request's head is built (<see cref="ProxyExchange.UpstreamHeaders"/>, <see cref="ProxyExchange.UpstreamPath"/>) and may be changed.</summary>
    public virtual HookResult OnBeforeForward(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The upstream response's head arrived (<see cref="ProxyExchange.UpstreamResponse"/>, <see cref="ProxyExchange.ResponseHeaders"/>) and may be changed or replaced.</summary>
    public virtual HookResult OnResponseHead(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The exchange ended. Close closes the connection; Pause holds its next request until resumed; Respond and Redirect are refused (the response is gone).</summary>
    public virtual HookResult OnRequestFinished(ProxyExchange exchange) => HookResult.Continue;

    /// <summary>The connection closed (<see cref="ProxyExchange.Request"/> is null): only Continue means anything.</summary>
    public virtual HookResult OnConnectionFinished(ProxyExchange exchange) => HookResult.Continue;
}
