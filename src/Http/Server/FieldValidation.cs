using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>
/// The one check of what a handler puts in a head (status message, field names and values; trailers use it as
/// well): what would split the response or not encode is refused before it is stored, so it never reaches the
/// wire. The character classes are the parser's (RFC 9110 §5.1, §5.5, §5.6.2); the messages are Node's.
/// </summary>
internal static class FieldValidation
{
    /// <summary>Throws unless <paramref name="name"/> is a token (Node's <c>ERR_INVALID_HTTP_TOKEN</c>).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="section">What the field is, as Node's messages name it: "Header" or "Trailer".</param>
    internal static void ValidateName(string name, string section)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(HttpCharacters.TokenText))
            throw new ArgumentException($"{section} name must be a valid HTTP token [\"{name}\"] (ERR_INVALID_HTTP_TOKEN).", nameof(name));
    }

    /// <summary>
    /// Throws if <paramref name="value"/> holds CR, LF, NUL, another control character but HTAB, DEL or a character
    /// above 0xFF (Node's <c>ERR_INVALID_CHAR</c>).
    /// </summary>
    /// <param name="name">The field the value is for, named in the message.</param>
    /// <param name="value">The field value.</param>
    /// <param name="section">What the field is, as Node's messages name it: "header" or "trailer".</param>
    internal static void ValidateValue(string name, string value, string section)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsFieldValueText(value))
            throw new ArgumentException($"Invalid character in {section} content [\"{name}\"] (ERR_INVALID_CHAR).", nameof(value));
    }

    /// <summary>Throws if a reason phrase holds what a field value may not (RFC 9112 §4: HTAB, SP, VCHAR, obs-text).</summary>
    internal static void ValidateStatusMessage(string? message)
    {
        if (message is not null && !IsFieldValueText(message))
            throw new ArgumentException("Invalid character in statusMessage (ERR_INVALID_CHAR).", nameof(message));
    }

    /// <summary>Whether <paramref name="text"/> holds only HTAB, SP, VCHAR and obs-text.</summary>
    private static bool IsFieldValueText(ReadOnlySpan<char> text)
    {
        // A handler sets its headers for every response, nearly always in printable ASCII: one vectorised range scan
        // settles that. The full set (obs-text reaches 0xFF) makes a probabilistic SearchValues, several times slower.
        int i = text.IndexOfAnyExcept(HttpCharacters.PrintableAsciiText);
        return i < 0 || !text[i..].ContainsAnyExcept(HttpCharacters.FieldValueText);
    }
}
