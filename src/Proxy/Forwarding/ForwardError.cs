namespace Uvnet.Proxy.Forwarding;

/// <summary>Why an exchange was not forwarded whole, naming the stage and the side (YARP's ForwarderError).</summary>
public enum ForwardError
{
    /// <summary>Nothing went wrong (or a filter answered).</summary>
    None,

    /// <summary>No route matched the request (404).</summary>
    NoRoute,

    /// <summary>The route's cluster has no destination that is not ejected (503).</summary>
    NoDestination,

    /// <summary>The cluster's circuit breaker is open: too many connections or pending requests (503).</summary>
    CircuitOpen,

    /// <summary>The upstream connection could not be made (502), after the retries allowed.</summary>
    ConnectFailed,

    /// <summary>The upstream connection was not made in time (504).</summary>
    ConnectTimeout,

    /// <summary>The upstream response's head did not arrive in time (504).</summary>
    ResponseHeadTimeout,

    /// <summary>Neither side made progress for the activity timeout (504, or the downstream cut once the response started).</summary>
    ActivityTimeout,

    /// <summary>The upstream connection closed or reset before the response's head (502).</summary>
    UpstreamReset,

    /// <summary>The upstream response was malformed (502); its connection is not reused.</summary>
    MalformedResponse,

    /// <summary>The upstream response was cut after its head: the downstream connection is cut too.</summary>
    ResponseBodyUpstream,

    /// <summary>The client went away before the exchange ended: the upstream request is abandoned.</summary>
    RequestBodyClient,

    /// <summary>The request's path climbs above the root with ".." (400): no route can mean it.</summary>
    InvalidPath,
}

/// <summary>The one table from <see cref="ForwardError"/> to the status the client gets.</summary>
internal static class ForwardErrors
{
    internal static int StatusOf(ForwardError error) => error switch
    {
        ForwardError.NoRoute => 404,
        ForwardError.InvalidPath => 400,
        ForwardError.NoDestination or ForwardError.CircuitOpen => 503,
        ForwardError.ConnectTimeout or ForwardError.ResponseHeadTimeout or ForwardError.ActivityTimeout => 504,
        _ => 502,
    };
}
