namespace Uvnet.Http.Parsing;

/// <summary>
/// The request method: the methods llhttp knows (for HTTP: RFC 9110 §9, PATCH, WebDAV, Subversion, UPnP, CalDAV,
/// PURGE, QUERY, SOURCE; for RTSP: RFC 2326's); any other token is <see cref="Custom"/>. Every method's bytes reach
/// <see cref="IHttpParserHandler.OnMethod"/>.
/// </summary>
/// <remarks>Numbered as llhttp's <c>llhttp_method_t</c>, so the two parsers' reports compare directly.</remarks>
public enum HttpRequestMethod : byte
{
    /// <summary>DELETE (RFC 9110).</summary>
    Delete = 0,

    /// <summary>GET (RFC 9110).</summary>
    Get = 1,

    /// <summary>HEAD (RFC 9110).</summary>
    Head = 2,

    /// <summary>POST (RFC 9110).</summary>
    Post = 3,

    /// <summary>PUT (RFC 9110).</summary>
    Put = 4,

    /// <summary>CONNECT (RFC 9110; the request-target is an authority, and a complete request switches protocol).</summary>
    Connect = 5,

    /// <summary>OPTIONS (RFC 9110).</summary>
    Options = 6,

    /// <summary>TRACE (RFC 9110).</summary>
    Trace = 7,

    /// <summary>COPY (WebDAV).</summary>
    Copy = 8,

    /// <summary>LOCK (WebDAV).</summary>
    Lock = 9,

    /// <summary>MKCOL (WebDAV).</summary>
    MkCol = 10,

    /// <summary>MOVE (WebDAV).</summary>
    Move = 11,

    /// <summary>PROPFIND (WebDAV).</summary>
    PropFind = 12,

    /// <summary>PROPPATCH (WebDAV).</summary>
    PropPatch = 13,

    /// <summary>SEARCH (WebDAV).</summary>
    Search = 14,

    /// <summary>UNLOCK (WebDAV).</summary>
    Unlock = 15,

    /// <summary>BIND (WebDAV).</summary>
    Bind = 16,

    /// <summary>REBIND (WebDAV).</summary>
    Rebind = 17,

    /// <summary>UNBIND (WebDAV).</summary>
    Unbind = 18,

    /// <summary>ACL (WebDAV).</summary>
    Acl = 19,

    /// <summary>REPORT (Subversion).</summary>
    Report = 20,

    /// <summary>MKACTIVITY (Subversion).</summary>
    MkActivity = 21,

    /// <summary>CHECKOUT (Subversion).</summary>
    Checkout = 22,

    /// <summary>MERGE (Subversion).</summary>
    Merge = 23,

    /// <summary>M-SEARCH (UPnP).</summary>
    MSearch = 24,

    /// <summary>NOTIFY (UPnP).</summary>
    Notify = 25,

    /// <summary>SUBSCRIBE (UPnP).</summary>
    Subscribe = 26,

    /// <summary>UNSUBSCRIBE (UPnP).</summary>
    Unsubscribe = 27,

    /// <summary>PATCH (RFC 5789).</summary>
    Patch = 28,

    /// <summary>PURGE (caches).</summary>
    Purge = 29,

    /// <summary>MKCALENDAR (CalDAV).</summary>
    MkCalendar = 30,

    /// <summary>LINK (RFC 2068).</summary>
    Link = 31,

    /// <summary>UNLINK (RFC 2068).</summary>
    Unlink = 32,

    /// <summary>SOURCE (Icecast).</summary>
    Source = 33,

    /// <summary>PRI (RFC 9113 §3.4: only in the HTTP/2 connection preface, so always an error here).</summary>
    Pri = 34,

    /// <summary>DESCRIBE (RTSP).</summary>
    Describe = 35,

    /// <summary>ANNOUNCE (RTSP).</summary>
    Announce = 36,

    /// <summary>SETUP (RTSP).</summary>
    Setup = 37,

    /// <summary>PLAY (RTSP).</summary>
    Play = 38,

    /// <summary>PAUSE (RTSP).</summary>
    Pause = 39,

    /// <summary>TEARDOWN (RTSP).</summary>
    Teardown = 40,

    /// <summary>GET_PARAMETER (RTSP).</summary>
    GetParameter = 41,

    /// <summary>SET_PARAMETER (RTSP).</summary>
    SetParameter = 42,

    /// <summary>REDIRECT (RTSP).</summary>
    Redirect = 43,

    /// <summary>RECORD (RTSP).</summary>
    Record = 44,

    /// <summary>FLUSH (RAOP, over RTSP).</summary>
    Flush = 45,

    /// <summary>QUERY (draft-ietf-httpbis-safe-method-w-body).</summary>
    Query = 46,

    /// <summary>Any other token (case-sensitive, as methods are: <c>get</c> is custom).</summary>
    Custom = 255,
}
