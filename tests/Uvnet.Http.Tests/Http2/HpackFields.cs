using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>A handler that records each field as text, and helpers shared by the HPACK tests.</summary>
internal readonly struct HpackFields(List<(string Name, string Value, bool NeverIndexed)> fields) : IHpackHeaderHandler
{
    public List<(string Name, string Value, bool NeverIndexed)> Fields { get; } = fields;

    public static HpackFields Create() => new([]);

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo) =>
        Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value), neverIndexed));

    /// <summary>Decodes <paramref name="hex"/> (spaces allowed) and returns the error and the fields.</summary>
    public static (HpackError Error, List<(string Name, string Value, bool NeverIndexed)> Fields) Decode(HpackDecoder decoder, string hex)
    {
        HpackFields handler = Create();
        HpackError error = decoder.Decode(Bytes(hex), ref handler);
        return (error, handler.Fields);
    }

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>The dynamic table as (name, value) from index 1 (newest).</summary>
    public static (string, string)[] Table(HpackDecoder decoder) =>
        [.. Enumerable.Range(1, decoder.Table.Count).Select(i =>
            (Encoding.Latin1.GetString(decoder.Table.Name(i)), Encoding.Latin1.GetString(decoder.Table.Value(i))))];
}
