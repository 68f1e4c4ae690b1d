namespace Uvnet.Proxy.Forwarding;

/// <summary>
/// The fields that describe one connection rather than the message (RFC 9110 §7.6.1), which a proxy removes from
/// what it forwards on either leg, with every field the message's own <c>Connection</c> names.
/// </summary>
internal static class HopByHop
{
    // RFC 9110 §7.6.1 names Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding and Upgrade; Trailer
    // announces a chunked body's trailers, which the proxy does not forward. Content-Length goes too: each leg is
    // framed by Uvnet (the body's length is set again where it is known), so no framing field passes through.
    private static readonly string[] s_fields =
        ["Connection", "Proxy-Connection", "Keep-Alive", "TE", "Transfer-Encoding", "Upgrade", "Trailer", "Content-Length"];

    /// <summary>Whether <paramref name="name"/> is removed: a fixed hop-by-hop field, or one <paramref name="connection"/> names.</summary>
    internal static bool IsHopByHop(string name, string? connection)
    {
        foreach (string field in s_fields)
        {
            if (field.Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        // Host is never the connection's: a client naming it would have the upstream see another host than the one routed by.
        return connection is not null && Names(connection, name) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the comma-separated <paramref name="list"/> holds the token <paramref name="name"/> (any case, spaces around).</summary>
    internal static bool Names(string list, string name)
    {
        foreach (Range part in list.AsSpan().Split(','))
        {
            if (list.AsSpan()[part].Trim(" \t").Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The end-to-end fields of <paramref name="raw"/>, in order, into <paramref name="into"/>.</summary>
    internal static void CopyEndToEnd(IReadOnlyList<KeyValuePair<string, string>> raw, List<KeyValuePair<string, string>> into)
    {
        // By index: a foreach over the interface would allocate its enumerator on every request.
        string? connection = null;
        for (int i = 0; i < raw.Count; i++)
        {
            var (name, value) = raw[i];
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                connection = connection is null ? value : connection + "," + value;
        }
        for (int i = 0; i < raw.Count; i++)
        {
            if (!IsHopByHop(raw[i].Key, connection))
                into.Add(raw[i]);
        }
    }
}
