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
    /// authority-form (CONNECT): no path. The query is what follows the first '?' (empty when none). Both end at a
    /// '#': a request-target carries no fragment (RFC 9112 §3.2), but the parser lets one through as llhttp does.
    /// </summary>
    public static void Split(ReadOnlySpan<byte> target, out ReadOnlySpan<byte> path, out ReadOnlySpan<byte> query)
    {
        int fragment = target.IndexOf((byte)'#');
        if (fragment >= 0)
            target = target[..fragment];
        int question = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> beforeQuery = question < 0 ? target : target[..question];
        query = question < 0 ? default : target[(question + 1)..];
        if (beforeQuery.IsEmpty || beforeQuery[0] is (byte)'/' or (byte)'*')
        {
            path = beforeQuery;
            return;
        }

        int start = AuthorityStart(beforeQuery);
        if (start < 0)
        {
            path = default; // authority-form
            return;
        }

        ReadOnlySpan<byte> authorityAndPath = beforeQuery[start..];
        int slash = authorityAndPath.IndexOf((byte)'/');
        path = slash < 0 ? "/"u8 : authorityAndPath[slash..];
    }

    /// <summary>
    /// Whether a target the parser accepted is in absolute-form (<c>scheme://authority...</c>), and its authority:
    /// what follows "://" up to the path, query or fragment.
    /// </summary>
    public static bool IsAbsoluteForm(ReadOnlySpan<byte> target, out ReadOnlySpan<byte> authority)
    {
        int start = AuthorityStart(target);
        if (start < 0)
        {
            authority = default;
            return false;
        }

        authority = target[start..];
        int end = authority.IndexOfAny("/?#"u8);
        if (end >= 0)
            authority = authority[..end];
        return true;
    }

    /// <summary>Where an absolute-form target's authority starts (after its scheme's "://"), or -1 for the other forms.</summary>
    private static int AuthorityStart(ReadOnlySpan<byte> target)
    {
        int scheme = target.IsEmpty || target[0] is (byte)'/' or (byte)'*' ? -1 : target.IndexOf("://"u8);
        return scheme < 0 ? -1 : scheme + 3;
    }
}
