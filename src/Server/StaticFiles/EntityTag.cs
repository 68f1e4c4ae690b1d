namespace Uvnet.Server.StaticFiles;

/// <summary>An entity tag (RFC 9110 §8.8.3): an opaque quoted string, weak when marked <c>W/</c>.</summary>
/// <param name="Opaque">The tag with its quotes: <c>"abc"</c>.</param>
/// <param name="IsWeak">Whether the tag is weak: it promises equivalent content, not identical bytes.</param>
public readonly record struct EntityTag(string Opaque, bool IsWeak)
{
    /// <summary>The field value: <c>"abc"</c> or <c>W/"abc"</c>.</summary>
    public override string ToString() => IsWeak ? "W/" + Opaque : Opaque;

    /// <summary>Strong comparison: both strong, same opaque tag (for If-Match and If-Range).</summary>
    public static bool StrongEquals(EntityTag a, EntityTag b) => !a.IsWeak && !b.IsWeak && a.Opaque == b.Opaque;

    /// <summary>Weak comparison: same opaque tag, weakness ignored (for If-None-Match).</summary>
    public static bool WeakEquals(EntityTag a, EntityTag b) => a.Opaque == b.Opaque;

    /// <summary>Parses one entity tag (<c>"x"</c> or <c>W/"x"</c>, surrounding whitespace allowed).</summary>
    public static bool TryParse(string? text, out EntityTag tag)
    {
        tag = default;
        if (text is null)
            return false;
        ReadOnlySpan<char> rest = text.AsSpan().Trim();
        return TryParseOne(ref rest, out tag) && rest.IsEmpty;
    }

    /// <summary>
    /// Whether a field that holds a list of entity tags (If-Match, If-None-Match) matches <paramref name="current"/>:
    /// <c>*</c> matches any current representation; otherwise any member, by strong or weak comparison. Members
    /// that are not entity tags are skipped.
    /// </summary>
    public static bool ListMatches(string fieldValue, EntityTag current, bool weakComparison)
    {
        ArgumentNullException.ThrowIfNull(fieldValue);
        ReadOnlySpan<char> rest = fieldValue.AsSpan().Trim();
        if (rest is "*")
            return true;
        while (!rest.IsEmpty)
        {
            if (TryParseOne(ref rest, out EntityTag member)
                && (weakComparison ? WeakEquals(member, current) : StrongEquals(member, current)))
                return true;
            int comma = rest.IndexOf(',');
            rest = comma < 0 ? default : rest[(comma + 1)..];
        }
        return false;
    }

    /// <summary>Parses the entity tag at the start of <paramref name="rest"/> (after whitespace) and moves past it.</summary>
    private static bool TryParseOne(ref ReadOnlySpan<char> rest, out EntityTag tag)
    {
        tag = default;
        ReadOnlySpan<char> s = rest.TrimStart();
        bool weak = s.StartsWith("W/", StringComparison.Ordinal);
        if (weak)
            s = s[2..];
        if (s.IsEmpty || s[0] != '"')
            return false;
        int close = s[1..].IndexOf('"');
        if (close < 0)
            return false;
        tag = new EntityTag(s[..(close + 2)].ToString(), weak);
        rest = s[(close + 2)..].TrimStart();
        return true;
    }
}
