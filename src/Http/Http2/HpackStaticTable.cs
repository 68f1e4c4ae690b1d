namespace Uvnet.Http.Http2;

/// <summary>The static table of RFC 7541 Appendix A: 61 fields, indexes 1 to 61.</summary>
internal static class HpackStaticTable
{
    /// <summary>The number of entries; dynamic table indexes start after it.</summary>
    public const int Count = 61;

    /// <summary>Index of <c>:status: 200</c>, the first of the seven <c>:status</c> entries (8 to 14).</summary>
    public const int Status200 = 8;

    private static readonly (byte[] Name, byte[] Value)[] s_entries =
    [
        (":authority"u8.ToArray(), []),
        (":method"u8.ToArray(), "GET"u8.ToArray()),
        (":method"u8.ToArray(), "POST"u8.ToArray()),
        (":path"u8.ToArray(), "/"u8.ToArray()),
        (":path"u8.ToArray(), "/index.html"u8.ToArray()),
        (":scheme"u8.ToArray(), "http"u8.ToArray()),
        (":scheme"u8.ToArray(), "https"u8.ToArray()),
        (":status"u8.ToArray(), "200"u8.ToArray()),
        (":status"u8.ToArray(), "204"u8.ToArray()),
        (":status"u8.ToArray(), "206"u8.ToArray()),
        (":status"u8.ToArray(), "304"u8.ToArray()),
        (":status"u8.ToArray(), "400"u8.ToArray()),
        (":status"u8.ToArray(), "404"u8.ToArray()),
        (":status"u8.ToArray(), "500"u8.ToArray()),
        ("accept-charset"u8.ToArray(), []),
        ("accept-encoding"u8.ToArray(), "gzip, deflate"u8.ToArray()),
        ("accept-language"u8.ToArray(), []),
        ("accept-ranges"u8.ToArray(), []),
        ("accept"u8.ToArray(), []),
        ("access-control-allow-origin"u8.ToArray(), []),
        ("age"u8.ToArray(), []),
        ("allow"u8.ToArray(), []),
        ("authorization"u8.ToArray(), []),
        ("cache-control"u8.ToArray(), []),
        ("content-disposition"u8.ToArray(), []),
        ("content-encoding"u8.ToArray(), []),
        ("content-language"u8.ToArray(), []),
        ("content-length"u8.ToArray(), []),
        ("content-location"u8.ToArray(), []),
        ("content-range"u8.ToArray(), []),
        ("content-type"u8.ToArray(), []),
        ("cookie"u8.ToArray(), []),
        ("date"u8.ToArray(), []),
        ("etag"u8.ToArray(), []),
        ("expect"u8.ToArray(), []),
        ("expires"u8.ToArray(), []),
        ("from"u8.ToArray(), []),
        ("host"u8.ToArray(), []),
        ("if-match"u8.ToArray(), []),
        ("if-modified-since"u8.ToArray(), []),
        ("if-none-match"u8.ToArray(), []),
        ("if-range"u8.ToArray(), []),
        ("if-unmodified-since"u8.ToArray(), []),
        ("last-modified"u8.ToArray(), []),
        ("link"u8.ToArray(), []),
        ("location"u8.ToArray(), []),
        ("max-forwards"u8.ToArray(), []),
        ("proxy-authenticate"u8.ToArray(), []),
        ("proxy-authorization"u8.ToArray(), []),
        ("range"u8.ToArray(), []),
        ("referer"u8.ToArray(), []),
        ("refresh"u8.ToArray(), []),
        ("retry-after"u8.ToArray(), []),
        ("server"u8.ToArray(), []),
        ("set-cookie"u8.ToArray(), []),
        ("strict-transport-security"u8.ToArray(), []),
        ("transfer-encoding"u8.ToArray(), []),
        ("user-agent"u8.ToArray(), []),
        ("vary"u8.ToArray(), []),
        ("via"u8.ToArray(), []),
        ("www-authenticate"u8.ToArray(), []),
    ];

    /// <summary>The longest name in the table (27 octets: <c>access-control-allow-origin</c>).</summary>
    public static readonly int LongestNameLength = s_entries.Max(entry => entry.Name.Length);

    // Per name length, the entries (0-based, in table order) whose name is that long: a lookup compares a handful of
    // names, not 61 (the encoder looks up every field it does not find indexed, Content-Length on every response).
    private static readonly int[][] s_byNameLength = [.. Enumerable.Range(0, LongestNameLength + 1)
        .Select(length => Enumerable.Range(0, s_entries.Length).Where(i => s_entries[i].Name.Length == length).ToArray())];

    /// <summary>The name of entry <paramref name="index"/> (1 to <see cref="Count"/>).</summary>
    public static ReadOnlySpan<byte> Name(int index) => s_entries[index - 1].Name;

    /// <summary>The value of entry <paramref name="index"/> (1 to <see cref="Count"/>); empty for most.</summary>
    public static ReadOnlySpan<byte> Value(int index) => s_entries[index - 1].Value;

    /// <summary>
    /// Looks up a field: the index of an entry with this name and value if there is one, else of the first entry
    /// with this name (<paramref name="valueMatches"/> false), else 0.
    /// </summary>
    public static int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out bool valueMatches)
    {
        int nameIndex = 0;
        valueMatches = false;
        if (name.Length > LongestNameLength)
        {
            return 0;
        }

        foreach (int i in s_byNameLength[name.Length])
        {
            if (!name.SequenceEqual(s_entries[i].Name))
            {
                continue;
            }

            if (value.SequenceEqual(s_entries[i].Value))
            {
                valueMatches = true;
                return i + 1;
            }

            if (nameIndex == 0)
            {
                nameIndex = i + 1;
            }
        }

        return nameIndex;
    }
}
