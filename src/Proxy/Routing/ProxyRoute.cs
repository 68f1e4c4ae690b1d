using Uvnet.Http.Server;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Routing;

/// <summary>
/// Which requests go to which cluster, and how they are changed on the way. Every condition set must hold; a route
/// with none matches every request.
/// </summary>
public sealed record ProxyRoute
{
    // A field name is a token (RFC 9110 §5.1, §5.6.2).
    private static readonly System.Buffers.SearchValues<char> s_token =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>The name its metrics carry (<c>route="api"</c>); null: its index in <see cref="ProxyOptions.Routes"/>.</summary>
    public string? Name { get; init; }

    /// <summary>The cluster that serves the route's requests (a <see cref="Clusters.ProxyCluster.Name"/>).</summary>
    public required string Cluster { get; init; }

    /// <summary>The request's host (the Host field without its port, any case): exact ("api.example.com") or a wildcard for subdomains ("*.example.com").</summary>
    public string? Host { get; init; }

    /// <summary>The path starts with this ("/api/"); matched on the path without the query, case-sensitively.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>The path is exactly this.</summary>
    public string? Path { get; init; }

    /// <summary>The request's method is one of these (upper case).</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>The request has this header field (any case); with <see cref="HeaderValue"/> set, with that exact value.</summary>
    public string? Header { get; init; }

    /// <summary>The value <see cref="Header"/> must have; null: any.</summary>
    public string? HeaderValue { get; init; }

    /// <summary>Replaces the matched <see cref="PathPrefix"/> in the forwarded path ("/api/" → "/"); null: the path is kept.</summary>
    public string? PrefixRewrite { get; init; }

    /// <summary>The Host sent upstream; null: the client's is kept (as envoy and YARP; nginx rewrites it by default).</summary>
    public string? HostRewrite { get; init; }

    /// <summary>The route's timeouts; null: the proxy's.</summary>
    public ProxyTimeouts? Timeouts { get; init; }

    /// <summary>Filters run after the proxy's from <see cref="HookPoint.RouteFound"/> on, for this route's requests only.</summary>
    public IReadOnlyList<ProxyFilter> Filters { get; init; } = [];

    internal void Validate(string field)
    {
        if (string.IsNullOrEmpty(Cluster))
            throw new ArgumentException($"{field}.Cluster: required.", field + ".Cluster");
        if (Name is not null && (Name.Length == 0 || Name.AsSpan().ContainsAnyInRange('\0', '\u001f')))
            throw new ArgumentException($"{field}.Name: empty or holds a control character.", field + ".Name");
        if (Host is not null && (Host.Length == 0 || Host.IndexOf('*', 1) >= 0 || (Host[0] == '*' && !Host.StartsWith("*.", StringComparison.Ordinal))))
            throw new ArgumentException($"{field}.Host: \"{Host}\" is neither a host name nor \"*.\" and a suffix.", field + ".Host");
        if (PathPrefix is not null && !PathPrefix.StartsWith('/'))
            throw new ArgumentException($"{field}.PathPrefix: \"{PathPrefix}\" does not start with '/'.", field + ".PathPrefix");
        if (Path is not null && !Path.StartsWith('/'))
            throw new ArgumentException($"{field}.Path: \"{Path}\" does not start with '/'.", field + ".Path");
        // The HTTP client's own rule for a request-target (Node's INVALID_PATH_REGEX): refused here, not as a 500 on every request.
        if (PrefixRewrite is not null && (PathPrefix is null || !PrefixRewrite.StartsWith('/') || PrefixRewrite.AsSpan().ContainsAnyExceptInRange('\u0021', '\u00ff')))
            throw new ArgumentException($"{field}.PrefixRewrite: needs a PathPrefix, starts with '/' and holds no space or control character.", field + ".PrefixRewrite");
        if (Header is not null && (Header.Length == 0 || Header.AsSpan().ContainsAnyExcept(s_token)))
            throw new ArgumentException($"{field}.Header: \"{Header}\" is not a field name.", field + ".Header");
        if (HeaderValue is not null && Header is null)
            throw new ArgumentException($"{field}.HeaderValue: needs a Header.", field + ".HeaderValue");
        if (HostRewrite is not null && (HostRewrite.Length == 0 || HostRewrite.AsSpan().ContainsAnyExceptInRange('!', '~') || HostRewrite.Contains('/')))
            throw new ArgumentException($"{field}.HostRewrite: \"{HostRewrite}\" is not a host.", field + ".HostRewrite");
        if (Methods is not null)
        {
            for (int i = 0; i < Methods.Count; i++)
            {
                if (string.IsNullOrEmpty(Methods[i]) || Methods[i] != Methods[i].ToUpperInvariant())
                    throw new ArgumentException($"{field}.Methods[{i}]: a method in upper case.", field + ".Methods");
            }
        }
        Timeouts?.Validate(field + ".Timeouts");
        ArgumentNullException.ThrowIfNull(Filters, field + ".Filters");
        for (int i = 0; i < Filters.Count; i++)
        {
            if (Filters[i] is null)
                throw new ArgumentException($"{field}.Filters[{i}]: null.", field + ".Filters");
        }
    }

    /// <summary>Whether the request matches (<paramref name="host"/>: its Host without the port).</summary>
    internal bool Matches(string method, ReadOnlySpan<char> host, string path, HttpHeaders headers)
    {
        if (Host is not null)
        {
            if (Host[0] == '*')
            {
                // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com" itself.
                ReadOnlySpan<char> suffix = Host.AsSpan(1);
                if (host.Length <= suffix.Length || !host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                    return false;
            }
            else if (!host.Equals(Host, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        if (Path is not null && path != Path)
            return false;
        if (PathPrefix is not null && !path.StartsWith(PathPrefix, StringComparison.Ordinal))
            return false;
        if (Methods is not null && !Methods.Contains(method))
            return false;
        if (Header is not null && headers.Get(Header) is not { } value || HeaderValue is not null && headers.Get(Header!) != HeaderValue)
            return false;
        return true;
    }
}
