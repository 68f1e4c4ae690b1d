using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Uvnet.Http.Parsing;

/// <summary>
/// The character classes of RFC 9110 and RFC 9112 the parser checks: a table for one byte at a time, a
/// <see cref="SearchValues{T}"/> for runs of token characters split across buffers, and hand-vectorised scans
/// for the long runs of every request (field values, request-targets).
/// </summary>
internal static class HttpCharacters
{
    // tchar (RFC 9110 §5.6.2): the characters of methods, field names, transfer codings, chunk extensions.
    private const string TokenPunctuation = "!#$%&'*+-.^_`|~";

    // llhttp's USERINFO_CHARS plus '[' and ']' (IPv6 literals): what an authority may hold.
    private const string AuthorityPunctuation = "-_.!~*'()%;:&=+$,[]";

    [Flags]
    private enum CharClass : byte
    {
        Token = 1,
        FieldValue = 2,   // HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5)
        Target = 4,       // VCHAR: what a request-target's path, query and fragment may hold
        Authority = 8,
        QuotedText = 16,  // qdtext (RFC 9110 §5.6.4)
        Alpha = 32,
        QuotedPairText = 64, // HTAB, SP, VCHAR, obs-text after a backslash
    }

    // Bit 5 of every byte of a word: set, it makes an ASCII letter lower case.
    private const ulong FoldCase = 0x2020202020202020;

    private static readonly CharClass[] s_classes = BuildClasses();

    /// <summary>The bytes of a token (tchar).</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create(Members(CharClass.Token));

    /// <summary>The characters of a token, as text: what a response's field names are checked with.</summary>
    public static readonly SearchValues<char> TokenText = SearchValues.Create(Encoding.Latin1.GetString(Members(CharClass.Token)));

    /// <summary>
    /// The characters of a field value (HTAB, SP, VCHAR, obs-text), as text: what a response's field values and
    /// reason phrase are checked with. None is above 0xFF, so text made of them encodes to Latin-1 byte for byte.
    /// </summary>
    public static readonly SearchValues<char> FieldValueText = SearchValues.Create(Encoding.Latin1.GetString(Members(CharClass.FieldValue)));

    // The character ranges below are SearchValues rather than MemoryExtensions' IndexOfAnyExceptInRange(char, char):
    // the char instantiation of that generic in CoreLib's ReadyToRun code boxes its bounds (96 bytes a call) until
    // the JIT tiers it up, which under steady load can take many thousands of calls. A SearchValues made of one
    // range is the same vectorised range compare and allocates nothing from the first call.

    /// <summary>Printable ASCII, SP to '~': the field values nearly every response sets, accepted by one range scan.</summary>
    public static readonly SearchValues<char> PrintableAsciiText = SearchValues.Create(Range(' ', '~'));

    /// <summary>VCHAR, '!' to '~': what a request's host may hold.</summary>
    public static readonly SearchValues<char> VisibleAsciiText = SearchValues.Create(Range('!', '~'));

    /// <summary>'!' to U+00FF: what Node lets a request's path hold (its INVALID_PATH_REGEX, /[^\u0021-\u00ff]/).</summary>
    public static readonly SearchValues<char> VisibleLatin1Text = SearchValues.Create(Range('!', '\u00ff'));

    /// <summary>
    /// The index of the first byte a field value must not hold (a control other than HTAB, or DEL; so the CR
    /// that ends it), or -1. Hand-vectorised: two compares a vector, cheaper than a <see cref="SearchValues{T}"/>
    /// bitmap lookup, and values are most of a head's bytes.
    /// </summary>
    public static int IndexOfNotFieldValue(ReadOnlySpan<byte> span)
    {
        int i = 0;
        while (true)
        {
            i = IndexOfControlOrDelete(span, i);
            if (i < 0 || span[i] != '\t')
            {
                return i;
            }

            i++;
        }
    }

    /// <summary>
    /// The index of the first byte a request-target's path, query or fragment must not hold (not VCHAR: so the
    /// space that ends it), or -1. One range compare a vector, inline: targets are short, and a
    /// <see cref="SearchValues{T}"/> call costs more than the scan.
    /// </summary>
    public static int IndexOfNotTarget(ReadOnlySpan<byte> span)
    {
        ref byte start = ref MemoryMarshal.GetReference(span);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> first = Vector128.Create((byte)0x21);
            Vector128<byte> width = Vector128.Create((byte)(0x7E - 0x21));
            for (; i <= span.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                Vector128<byte> outside = Vector128.GreaterThan(Vector128.LoadUnsafe(ref start, (nuint)i) - first, width);
                if (outside != Vector128<byte>.Zero)
                {
                    return i + BitOperations.TrailingZeroCount(outside.ExtractMostSignificantBits());
                }
            }
        }

        for (; i < span.Length; i++)
        {
            if ((uint)(span[i] - 0x21) > 0x7E - 0x21)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Whether <paramref name="text"/> equals <paramref name="lower"/> ignoring ASCII case, by words: for names and
    /// values (which hold no control characters) against a lower-case constant of letters, digits and '-' at
    /// least 4 bytes long, of the same length. Every byte of such a constant has bit 5 set, so setting that bit
    /// in <paramref name="text"/> folds its letters and makes no other byte of a name or value equal to it.
    /// </summary>
    public static bool EqualsLowerCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lower)
    {
        Debug.Assert(text.Length == lower.Length && lower.Length >= sizeof(uint));
        ref byte t = ref MemoryMarshal.GetReference(text);
        ref byte l = ref MemoryMarshal.GetReference(lower);
        int last = text.Length - sizeof(ulong);
        if (last < 0)
        {
            // 4 to 7 bytes: the first four and the last four, overlapping.
            last = text.Length - sizeof(uint);
            return (Unsafe.ReadUnaligned<uint>(ref t) | 0x20202020u) == Unsafe.ReadUnaligned<uint>(ref l)
                && (Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref t, last)) | 0x20202020u)
                    == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref l, last));
        }

        for (int i = 0; i < last; i += sizeof(ulong))
        {
            if ((Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref t, i)) | FoldCase) != Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, i)))
            {
                return false;
            }
        }

        return (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref t, last)) | FoldCase)
            == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, last));
    }

    public static bool IsToken(byte b) => Is(b, CharClass.Token);

    /// <summary>The index of the first byte below 0x20 or equal to 0x7F at or after <paramref name="from"/>, or -1.</summary>
    private static int IndexOfControlOrDelete(ReadOnlySpan<byte> span, int from)
    {
        ref byte start = ref MemoryMarshal.GetReference(span);
        int i = from;
        // 32 bytes a step as two 16-byte vectors: every x64 and arm64 machine has them, and two of them keep
        // pace with one wide vector on the long values (user agents, cookies) that dominate a head.
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> space = Vector128.Create((byte)' ');
            Vector128<byte> delete = Vector128.Create((byte)0x7F);
            for (; i <= span.Length - (2 * Vector128<byte>.Count); i += 2 * Vector128<byte>.Count)
            {
                Vector128<byte> low = Vector128.LoadUnsafe(ref start, (nuint)i);
                Vector128<byte> high = Vector128.LoadUnsafe(ref start, (nuint)(i + Vector128<byte>.Count));
                Vector128<byte> foundLow = Vector128.LessThan(low, space) | Vector128.Equals(low, delete);
                Vector128<byte> foundHigh = Vector128.LessThan(high, space) | Vector128.Equals(high, delete);
                if ((foundLow | foundHigh) != Vector128<byte>.Zero)
                {
                    uint mask = foundLow.ExtractMostSignificantBits() | (foundHigh.ExtractMostSignificantBits() << 16);
                    return i + BitOperations.TrailingZeroCount(mask);
                }
            }

            // One vector more before the bytes one at a time: the last lines of a head end within 32 bytes of it.
            if (i <= span.Length - Vector128<byte>.Count)
            {
                Vector128<byte> last = Vector128.LoadUnsafe(ref start, (nuint)i);
                Vector128<byte> found = Vector128.LessThan(last, space) | Vector128.Equals(last, delete);
                if (found != Vector128<byte>.Zero)
                {
                    return i + BitOperations.TrailingZeroCount(found.ExtractMostSignificantBits());
                }

                i += Vector128<byte>.Count;
            }
        }

        for (; i < span.Length; i++)
        {
            if (span[i] is < (byte)' ' or 0x7F)
            {
                return i;
            }
        }

        return -1;
    }

    public static bool IsFieldValue(byte b) => Is(b, CharClass.FieldValue);

    public static bool IsAuthority(byte b) => Is(b, CharClass.Authority);

    public static bool IsQuotedText(byte b) => Is(b, CharClass.QuotedText);

    public static bool IsQuotedPairText(byte b) => Is(b, CharClass.QuotedPairText);

    public static bool IsAlpha(byte b) => Is(b, CharClass.Alpha);

    /// <summary>The value of a hex digit, or -1.</summary>
    public static int HexValue(byte b)
    {
        uint digit = (uint)(b - '0');
        if (digit <= 9)
        {
            return (int)digit;
        }

        uint letter = (uint)((b | 0x20) - 'a');
        return letter <= 5 ? (int)letter + 10 : -1;
    }

    /// <summary>ASCII lower case of a byte already known to be a token character.</summary>
    public static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Is(byte b, CharClass charClass) => (s_classes[b] & charClass) != 0;

    private static CharClass[] BuildClasses()
    {
        var classes = new CharClass[256];
        for (int b = 0; b < 256; b++)
        {
            bool alpha = (uint)((b | 0x20) - 'a') <= 'z' - 'a';
            bool digit = (uint)(b - '0') <= 9;
            bool vchar = b is >= 0x21 and <= 0x7E;
            bool visibleOrWhite = vchar || b is '\t' or ' ' || b >= 0x80;
            CharClass c = 0;
            if (alpha || digit || TokenPunctuation.Contains((char)b))
            {
                c |= CharClass.Token;
            }

            if (visibleOrWhite)
            {
                c |= CharClass.FieldValue | CharClass.QuotedPairText;
            }

            if (vchar)
            {
                c |= CharClass.Target;
            }

            if (alpha || digit || AuthorityPunctuation.Contains((char)b))
            {
                c |= CharClass.Authority;
            }

            if (visibleOrWhite && b is not '"' and not '\\')
            {
                c |= CharClass.QuotedText;
            }

            if (alpha)
            {
                c |= CharClass.Alpha;
            }

            classes[b] = c;
        }

        return classes;
    }

    private static string Range(char first, char last) =>
        string.Create(last - first + 1, first, static (text, first) =>
        {
            for (int i = 0; i < text.Length; i++)
            {
                text[i] = (char)(first + i);
            }
        });

    private static byte[] Members(CharClass charClass)
    {
        var members = new List<byte>();
        for (int b = 0; b < 256; b++)
        {
            if ((s_classes[b] & charClass) != 0)
            {
                members.Add((byte)b);
            }
        }

        return [.. members];
    }
}
