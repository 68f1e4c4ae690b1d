using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Uvnet.Net;

/// <summary>
/// Turns a socket's reads into text as Node's StringDecoder does: a character (or, for base64, a 3-byte group) split
/// across reads is held back until its remaining bytes arrive, and what is still held at the end comes out on
/// <see cref="Flush"/> (U+FFFD for an incomplete character, padded base64).
/// </summary>
internal sealed class SocketTextDecoder
{
    private enum Kind { Text, Utf16, Ascii, Hex, Base64, Base64Url }

    private readonly Kind _kind;
    private readonly Encoding? _encoding;
    private readonly Decoder? _decoder;
    private readonly byte[] _held = new byte[2]; // base64: the bytes of a group not complete yet; utf16le: of a unit or a pair
    private int _heldCount;

    private SocketTextDecoder(string name, Kind kind, Encoding? encoding)
    {
        Name = name;
        _kind = kind;
        _encoding = encoding;
        _decoder = encoding?.GetDecoder();
    }

    /// <summary>The encoding's name: Node's ("utf8", "hex"...) or the <see cref="Encoding.WebName"/> of one given as an object.</summary>
    public string Name { get; }

    /// <summary>The decoder for a Node encoding name (any case, "utf-8" and "utf8", "ucs2" and "utf16le"...), or null for an unknown one.</summary>
    public static SocketTextDecoder? Create(string name) => name.ToLowerInvariant() switch
    {
        "utf8" or "utf-8" => new("utf8", Kind.Text, new UTF8Encoding(false)),
        "utf16le" or "utf-16le" or "ucs2" or "ucs-2" => new("utf16le", Kind.Utf16, null),
        "latin1" or "binary" => new("latin1", Kind.Text, Encoding.Latin1),
        "ascii" => new("ascii", Kind.Ascii, null),
        "hex" => new("hex", Kind.Hex, null),
        "base64" => new("base64", Kind.Base64, null),
        "base64url" => new("base64url", Kind.Base64Url, null),
        _ => null,
    };

    /// <summary>The decoder for a .NET <paramref name="encoding"/>.</summary>
    public static SocketTextDecoder Create(Encoding encoding) => new(encoding.WebName, Kind.Text, encoding);

    /// <summary>The text of <paramref name="data"/>, less what waits for the next read; may be empty.</summary>
    public string Decode(ReadOnlySpan<byte> data) => _kind switch
    {
        Kind.Text => DecodeText(data, flush: false),
        Kind.Utf16 => DecodeUtf16(data),
        Kind.Ascii => DecodeAscii(data),
        Kind.Hex => Convert.ToHexStringLower(data),
        _ => DecodeBase64(data),
    };

    /// <summary>What is held back, at the end of the stream; empty when nothing is.</summary>
    public string Flush()
    {
        switch (_kind)
        {
            case Kind.Text:
                return DecodeText([], flush: true);
            case Kind.Base64 or Kind.Base64Url:
                string rest = Encode(_held.AsSpan(0, _heldCount));
                _heldCount = 0;
                return rest;
            case Kind.Utf16:
                // As Node's end(): a single trailing byte is dropped, a held high surrogate comes out as it is.
                string surrogate = _heldCount == 2 ? ((char)BinaryPrimitives.ReadUInt16LittleEndian(_held)).ToString() : "";
                _heldCount = 0;
                return surrogate;
            default:
                return "";
        }
    }

    /// <summary>Forgets what is held back (a socket connecting again starts a new stream).</summary>
    public void Reset()
    {
        _decoder?.Reset();
        _heldCount = 0;
    }

    private string DecodeText(ReadOnlySpan<byte> data, bool flush)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(_encoding!.GetMaxCharCount(data.Length));
        try
        {
            int count = _decoder!.GetChars(data, chars, flush);
            return new string(chars, 0, count);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    // Node's "ascii" keeps the low seven bits of each byte.
    private static string DecodeAscii(ReadOnlySpan<byte> data)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(data.Length);
        for (int i = 0; i < data.Length; i++)
            chars[i] = (char)(data[i] & 0x7F);
        string text = new(chars, 0, data.Length);
        ArrayPool<char>.Shared.Return(chars);
        return text;
    }

    /// <summary>
    /// UTF-16LE as Node's decoder: every code unit as it is (a C# string, as a JS one, may hold a lone surrogate, which
    /// a .NET decoder would replace), holding back an odd byte or a high surrogate whose low one has not come yet.
    /// </summary>
    private string DecodeUtf16(ReadOnlySpan<byte> data)
    {
        int total = _heldCount + data.Length;
        byte[] bytes = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            _held.AsSpan(0, _heldCount).CopyTo(bytes);
            data.CopyTo(bytes.AsSpan(_heldCount));
            int whole = total & ~1;
            if (whole == total && whole > 0 && char.IsHighSurrogate((char)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(whole - 2))))
                whole -= 2;
            _heldCount = total - whole;
            bytes.AsSpan(whole, _heldCount).CopyTo(_held);
            return string.Create(whole / 2, bytes, static (chars, units) =>
            {
                for (int i = 0; i < chars.Length; i++)
                    chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(units.AsSpan(2 * i));
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private string DecodeBase64(ReadOnlySpan<byte> data)
    {
        int total = _heldCount + data.Length;
        int whole = total - total % 3; // only whole 3-byte groups encode without padding
        byte[] bytes = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            _held.AsSpan(0, _heldCount).CopyTo(bytes);
            data.CopyTo(bytes.AsSpan(_heldCount));
            _heldCount = total - whole;
            bytes.AsSpan(whole, _heldCount).CopyTo(_held);
            return Encode(bytes.AsSpan(0, whole));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private string Encode(ReadOnlySpan<byte> bytes) =>
        _kind == Kind.Base64Url ? Base64Url.EncodeToString(bytes) : Convert.ToBase64String(bytes);
}
