using Uvnet.Http.Server;

namespace Uvnet.Proxy.Forwarding;

/// <summary>The fields a proxy adds: X-Forwarded-For, -Proto and -Host (the de facto ones), and Via (RFC 9110 §7.6.3).</summary>
internal static class ForwardedHeaders
{
    /// <summary>Adds the forwarding fields to <paramref name="headers"/> (the request's end-to-end fields), rewriting Host when the route says so.</summary>
    /// <param name="headers">The fields, changed in place.</param>
    /// <param name="request">The client's request.</param>
    /// <param name="client">The client's address (the PROXY protocol's, or the socket's peer).</param>
    /// <param name="scheme">"https" for a request received over TLS, else "http".</param>
    /// <param name="host">The host the client addressed (its Host field, or an absolute-form target's authority), for X-Forwarded-Host.</param>
    /// <param name="hostRewrite">The Host sent upstream instead of the client's, or null to keep it.</param>
    /// <param name="viaHop">This proxy's Via entry (see <see cref="AddVia"/>).</param>
    internal static void Add(List<KeyValuePair<string, string>> headers, IncomingMessage request, string? client, string scheme, string? host, string? hostRewrite, string viaHop)
    {
        string? forwardedFor = Take(headers, "X-Forwarded-For");
        Take(headers, "X-Forwarded-Proto");
        Take(headers, "X-Forwarded-Host");
        if (hostRewrite is not null)
        {
            Take(headers, "Host");
            headers.Insert(0, new("Host", hostRewrite));
        }
        // The client's address is appended to what earlier proxies said (they are only as trusted as they are).
        if (client is not null)
            headers.Add(new("X-Forwarded-For", forwardedFor is null ? client : forwardedFor + ", " + client));
        else if (forwardedFor is not null)
            headers.Add(new("X-Forwarded-For", forwardedFor));
        headers.Add(new("X-Forwarded-Proto", scheme));
        if (host is not null)
            headers.Add(new("X-Forwarded-Host", host));
        AddVia(headers, viaHop);
    }

    /// <summary>Appends this proxy's <paramref name="hop"/> to Via: the protocol version the message was received with, and the pseudonym ("1.1 uvnet").</summary>
    internal static void AddVia(List<KeyValuePair<string, string>> headers, string hop)
    {
        string? earlier = Take(headers, "Via");
        headers.Add(new("Via", earlier is null ? hop : earlier + ", " + hop));
    }

    /// <summary>Removes every <paramref name="name"/> field; returns their values joined as one list, or null.</summary>
    private static string? Take(List<KeyValuePair<string, string>> headers, string name)
    {
        string? joined = null;
        for (int i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                joined = joined is null ? headers[i].Value : headers[i].Value + ", " + joined;
                headers.RemoveAt(i);
            }
        }
        return joined;
    }
}
