using System.Runtime.CompilerServices;

namespace Uvnet.Http.Parsing;

/// <summary>
/// A few bytes held inside the parser for a token that arrives split across two buffers and must be
/// recognised whole (a method, a field name, a connection option, a transfer coding): never allocated.
/// </summary>
[InlineArray(Capacity)]
internal struct ParserScratch
{
    /// <summary>Enough for the longest token the parser recognises, "transfer-encoding".</summary>
    public const int Capacity = KnownHeaders.LongestName;

    private byte _first;
}
