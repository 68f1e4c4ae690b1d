using System.Buffers.Binary;

namespace Uvnet.Http.Parsing;

/// <summary>Recognises the methods of <see cref="HttpRequestMethod"/> from their bytes.</summary>
internal static class KnownMethods
{
    // The four bytes that open the most common request lines, read as one little-endian integer, so
    // "GET /" costs one compare (Kestrel's trick).
    private static readonly uint s_getSpace = BinaryPrimitives.ReadUInt32LittleEndian("GET "u8);
    private static readonly uint s_putSpace = BinaryPrimitives.ReadUInt32LittleEndian("PUT "u8);
    private static readonly uint s_post = BinaryPrimitives.ReadUInt32LittleEndian("POST"u8);

    /// <summary>
    /// Recognises GET, PUT and POST followed by a space at the start of <paramref name="line"/>; returns the
    /// method's length, or 0 when the line opens otherwise or is too short to tell.
    /// </summary>
    public static int TryMatchCommon(ReadOnlySpan<byte> line, out HttpRequestMethod method)
    {
        if (line.Length >= 5)
        {
            uint first = BinaryPrimitives.ReadUInt32LittleEndian(line);
            if (first == s_getSpace)
            {
                method = HttpRequestMethod.Get;
                return 3;
            }

            if (first == s_putSpace)
            {
                method = HttpRequestMethod.Put;
                return 3;
            }

            if (first == s_post && line[4] == ' ')
            {
                method = HttpRequestMethod.Post;
                return 4;
            }
        }

        method = HttpRequestMethod.Custom;
        return 0;
    }

    // Most common first: Classify stops at the first match.
    private static readonly (byte[] Name, HttpRequestMethod Method)[] s_methods =
    [
        ("GET"u8.ToArray(), HttpRequestMethod.Get),
        ("POST"u8.ToArray(), HttpRequestMethod.Post),
        ("PUT"u8.ToArray(), HttpRequestMethod.Put),
        ("HEAD"u8.ToArray(), HttpRequestMethod.Head),
        ("DELETE"u8.ToArray(), HttpRequestMethod.Delete),
        ("OPTIONS"u8.ToArray(), HttpRequestMethod.Options),
        ("PATCH"u8.ToArray(), HttpRequestMethod.Patch),
        ("CONNECT"u8.ToArray(), HttpRequestMethod.Connect),
        ("TRACE"u8.ToArray(), HttpRequestMethod.Trace),
        ("QUERY"u8.ToArray(), HttpRequestMethod.Query),
        ("COPY"u8.ToArray(), HttpRequestMethod.Copy),
        ("LOCK"u8.ToArray(), HttpRequestMethod.Lock),
        ("MKCOL"u8.ToArray(), HttpRequestMethod.MkCol),
        ("MOVE"u8.ToArray(), HttpRequestMethod.Move),
        ("PROPFIND"u8.ToArray(), HttpRequestMethod.PropFind),
        ("PROPPATCH"u8.ToArray(), HttpRequestMethod.PropPatch),
        ("SEARCH"u8.ToArray(), HttpRequestMethod.Search),
        ("UNLOCK"u8.ToArray(), HttpRequestMethod.Unlock),
        ("BIND"u8.ToArray(), HttpRequestMethod.Bind),
        ("REBIND"u8.ToArray(), HttpRequestMethod.Rebind),
        ("UNBIND"u8.ToArray(), HttpRequestMethod.Unbind),
        ("ACL"u8.ToArray(), HttpRequestMethod.Acl),
        ("REPORT"u8.ToArray(), HttpRequestMethod.Report),
        ("MKACTIVITY"u8.ToArray(), HttpRequestMethod.MkActivity),
        ("CHECKOUT"u8.ToArray(), HttpRequestMethod.Checkout),
        ("MERGE"u8.ToArray(), HttpRequestMethod.Merge),
        ("M-SEARCH"u8.ToArray(), HttpRequestMethod.MSearch),
        ("NOTIFY"u8.ToArray(), HttpRequestMethod.Notify),
        ("SUBSCRIBE"u8.ToArray(), HttpRequestMethod.Subscribe),
        ("UNSUBSCRIBE"u8.ToArray(), HttpRequestMethod.Unsubscribe),
        ("PURGE"u8.ToArray(), HttpRequestMethod.Purge),
        ("MKCALENDAR"u8.ToArray(), HttpRequestMethod.MkCalendar),
        ("LINK"u8.ToArray(), HttpRequestMethod.Link),
        ("UNLINK"u8.ToArray(), HttpRequestMethod.Unlink),
        ("SOURCE"u8.ToArray(), HttpRequestMethod.Source),
        ("PRI"u8.ToArray(), HttpRequestMethod.Pri),
        ("DESCRIBE"u8.ToArray(), HttpRequestMethod.Describe),
        ("ANNOUNCE"u8.ToArray(), HttpRequestMethod.Announce),
        ("SETUP"u8.ToArray(), HttpRequestMethod.Setup),
        ("PLAY"u8.ToArray(), HttpRequestMethod.Play),
        ("PAUSE"u8.ToArray(), HttpRequestMethod.Pause),
        ("TEARDOWN"u8.ToArray(), HttpRequestMethod.Teardown),
        ("GET_PARAMETER"u8.ToArray(), HttpRequestMethod.GetParameter),
        ("SET_PARAMETER"u8.ToArray(), HttpRequestMethod.SetParameter),
        ("REDIRECT"u8.ToArray(), HttpRequestMethod.Redirect),
        ("RECORD"u8.ToArray(), HttpRequestMethod.Record),
        ("FLUSH"u8.ToArray(), HttpRequestMethod.Flush),
    ];

    /// <summary>
    /// Whether <paramref name="protocol"/> may carry <paramref name="method"/>, as llhttp decides: HTTP any token
    /// (RFC 9110 §9.1 lets a server meet an unknown method with 501), RTSP its own methods and AirPlay's and
    /// RAOP's, ICE only SOURCE.
    /// </summary>
    public static bool IsAllowed(HttpProtocol protocol, HttpRequestMethod method) => protocol switch
    {
        HttpProtocol.Rtsp => method is HttpRequestMethod.Options or HttpRequestMethod.Get or HttpRequestMethod.Post
            or (>= HttpRequestMethod.Describe and <= HttpRequestMethod.Flush),
        HttpProtocol.Ice => method == HttpRequestMethod.Source,
        _ => true,
    };

    // Each known method's name as a string, indexed by the method: a request's Method without an allocation.
    private static readonly string?[] s_names = NamesByMethod();

    private static string?[] NamesByMethod()
    {
        var names = new string?[s_methods.Max(m => (int)m.Method) + 1];
        foreach ((byte[] name, HttpRequestMethod method) in s_methods)
        {
            names[(int)method] = System.Text.Encoding.ASCII.GetString(name);
        }

        return names;
    }

    /// <summary>The name of a known method; null for <see cref="HttpRequestMethod.Custom"/>.</summary>
    public static string? Name(HttpRequestMethod method) =>
        (uint)method < (uint)s_names.Length ? s_names[(int)method] : null;

    /// <summary>The method a complete token names (methods are case-sensitive).</summary>
    public static HttpRequestMethod Classify(ReadOnlySpan<byte> token)
    {
        foreach ((byte[] name, HttpRequestMethod method) in s_methods)
        {
            if (token.SequenceEqual(name))
            {
                return method;
            }
        }

        return HttpRequestMethod.Custom;
    }
}
