namespace Uvnet.Http.Parsing;

/// <summary>The fields whose values the parser itself interprets (framing and connection management).</summary>
internal enum HeaderKind : byte
{
    General,
    ContentLength,
    TransferEncoding,
    Connection,
    Upgrade,
}

/// <summary>Recognises the fields of <see cref="HeaderKind"/>.</summary>
internal static class KnownHeaders
{
    /// <summary>The longest name <see cref="Classify"/> can recognise ("transfer-encoding").</summary>
    public const int LongestName = 17;

    /// <summary>Which field a complete name (a token) is (field names are case-insensitive).</summary>
    public static HeaderKind Classify(ReadOnlySpan<byte> name)
    {
        // Length and first letter rule out almost every other field before a comparison.
        if (name.Length < 7)
        {
            return HeaderKind.General;
        }

        return (name.Length, name[0] | 0x20) switch
        {
            (7, 'u') when HttpCharacters.EqualsLowerCase(name, "upgrade"u8) => HeaderKind.Upgrade,
            (10, 'c') when HttpCharacters.EqualsLowerCase(name, "connection"u8) => HeaderKind.Connection,
            (14, 'c') when HttpCharacters.EqualsLowerCase(name, "content-length"u8) => HeaderKind.ContentLength,
            (17, 't') when HttpCharacters.EqualsLowerCase(name, "transfer-encoding"u8) => HeaderKind.TransferEncoding,
            _ => HeaderKind.General,
        };
    }
}
