namespace Uvnet.Proxy.Hooks;

/// <summary>
/// Filters in their configured order, and the one place that calls them: a point runs each filter until one returns
/// other than <see cref="HookAction.Continue"/>. A filter that throws, or that pauses without a handle (or takes a
/// handle and does not pause), is a filter error: the chain stops with a 500 and the error is reported. Immutable:
/// one chain serves every exchange of a proxy.
/// </summary>
public sealed class FilterChain
{
    private readonly ProxyFilter[] _filters;

    /// <summary>A chain of <paramref name="filters"/>, run in this order at every point.</summary>
    /// <exception cref="ArgumentException">A filter is null.</exception>
    public FilterChain(IEnumerable<ProxyFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        _filters = [.. filters];
        if (Array.IndexOf(_filters, null) >= 0)
            throw new ArgumentException("A filter cannot be null.", nameof(filters));
    }

    /// <summary>A chain with no filter.</summary>
    public static FilterChain Empty { get; } = new([]);

    /// <summary>How many filters run at each point.</summary>
    public int Count => _filters.Length;

    /// <summary>Runs <paramref name="point"/>'s filters from <paramref name="from"/> on; returns the first verdict other than Continue, or Continue.</summary>
    internal HookResult Run(ProxyExchange exchange, HookPoint point, int from)
    {
        for (int i = from; i < _filters.Length; i++)
        {
            exchange.EnterFilter(point, i);
            HookResult result;
            try
            {
                result = Invoke(_filters[i], point, exchange);
            }
            catch (Exception e)
            {
                exchange.LeaveFilter();
                return exchange.FilterFailed(e);
            }
            result = exchange.LeaveFilter(result);
            if (result.Action != HookAction.Continue)
                return result;
        }
        return HookResult.Continue;
    }

    private static HookResult Invoke(ProxyFilter filter, HookPoint point, ProxyExchange exchange) => point switch
    {
        HookPoint.Accept => filter.OnAccept(exchange),
        HookPoint.Handshake => filter.OnHandshake(exchange),
        HookPoint.RequestHead => filter.OnRequestHead(exchange),
        HookPoint.RouteFound => filter.OnRouteFound(exchange),
        HookPoint.BeforeForward => filter.OnBeforeForward(exchange),
        HookPoint.ResponseHead => filter.OnResponseHead(exchange),
        HookPoint.RequestFinished => filter.OnRequestFinished(exchange),
        _ => filter.OnConnectionFinished(exchange),
    };
}
