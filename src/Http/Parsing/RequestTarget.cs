namespace Uvnet.Http.Parsing;

/// <summary>
/// The path and query of a request-target in any of its forms (RFC 9112 §3.2), as slices of it: a handler routes
/// by the path whether the client sent <c>/a?q</c> or <c>http://host/a?q</c>.
/// </summary>
internal static class RequestTarget
{
    /// <summary>
    /// Splits a target the parser accepted. origin-form: the path up to '?'; absolute-form: the path after the
    /// authority, "/" when there is none (RFC 9112 §3.2.1 sends an empty path as "/"); asterisk-form: "*";
    /// authority-form (CONNECT): no path. The query is what follows the first '?' (empty when none).
    /// </summary>
    public static void Split(ReadOnlySpan<byte> target, out ReadOnlySpan<byte> path, out ReadOnlySpan<byte> query)
    {
        int question = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> beforeQuery = question < 0 ? target : target[..question];
        query = question < 0 ? default : target[(question + 1)..];
        if (beforeQuery.IsEmpty || beforeQuery[0] is (byte)'/' or (byte)'*')
        {
            path = beforeQuery;
            return;
        }

        int scheme = beforeQuery.IndexOf("://"u8);
        if (scheme < 0)
        {
            path = default; // authority-form
            return;
        }

        ReadOnlySpan<byte> authorityAndPath = beforeQuery[(scheme + 3)..];
        int slash = authorityAndPath.IndexOf((byte)'/');
        path = slash < 0 ? "/"u8 : authorityAndPath[slash..];
    }
}
