namespace Uvnet.Server.StaticFiles;

/// <summary>The rules for a field added to every response (<c>-H 'Name: value'</c>, <see cref="StaticFileOptions.ExtraHeaders"/>).</summary>
public static class ExtraHeader
{
    /// <summary>
    /// Fields the server owns: they frame the message or the connection (a wrong Content-Length or
    /// Transfer-Encoding would corrupt every response on a keep-alive connection), or describe the one byte range
    /// or encoding actually sent.
    /// </summary>
    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer", "TE",
        "Content-Range", "Content-Encoding", "Date",
    };

    /// <summary>Why <paramref name="name"/>: <paramref name="value"/> cannot be added to every response, or null when it can.</summary>
    public static string? Problem(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 || !name.All(IsTokenChar))
            return $"'{name}' is not a header field name";
        if (s_reserved.Contains(name))
            return $"the server sets '{name}' itself";
        // Field content (RFC 9110 §5.5): visible characters, spaces and tabs; CR, LF and NUL would split the head.
        if (value.Any(c => c is < ' ' and not '\t' or '\x7f'))
            return $"the value of '{name}' has a control character";
        // obs-text goes as Latin-1; a character above it has no byte, and the HTTP server refuses it on every response.
        if (value.Any(c => c > '\xff'))
            return $"the value of '{name}' has a character above U+00FF";
        return null;
    }

    /// <summary>Parses <c>Name: value</c> (spaces around the value trimmed); the error says why not, else null.</summary>
    public static KeyValuePair<string, string>? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}' is not 'Name: value'";
            return null;
        }
        string name = text[..colon], value = text[(colon + 1)..].Trim(' ', '\t');
        error = Problem(name, value);
        return error is null ? KeyValuePair.Create(name, value) : null;
    }

    // RFC 9110 §5.6.2: tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
