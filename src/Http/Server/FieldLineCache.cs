namespace Uvnet.Http.Server;

/// <summary>
/// The header lines a server's responses wrote last, rendered, by their place in the head: a handler sets the same
/// fields from the same strings at every request (<c>res.SetHeader("Content-Type", "text/plain")</c>, literals, or
/// strings it keeps), so the line is copied as bytes instead of encoded again. A hit is the same two string objects
/// (strings do not change, and were validated when set); anything else is encoded and remembered in its slot.
/// One per server, used on its loop only; the slots' buffers are made once, so a miss allocates nothing.
/// </summary>
internal sealed class FieldLineCache
{
    private const int Slots = 8; // the first fields of a head: a handler's usual few
    private const int MaxLine = 128; // longer lines are rare, and cost their encoding less in proportion

    private readonly Slot[] _slots = new Slot[Slots];

    /// <summary>Writes <c>name: value</c> and CRLF, the field at <paramref name="index"/> of the head, into <paramref name="sink"/>.</summary>
    internal void WriteField(OutputBuffer sink, int index, string name, string value)
    {
        if ((uint)index >= Slots)
        {
            sink.WriteField(name, value);
            return;
        }
        Slot slot = _slots[index] ??= new Slot();
        if (ReferenceEquals(slot.Name, name) && ReferenceEquals(slot.Value, value))
        {
            sink.Write(slot.Line.AsSpan(0, slot.Length));
            return;
        }
        int start = sink.Length;
        sink.WriteField(name, value);
        int length = sink.Length - start;
        if (length > MaxLine)
            return; // the slot keeps its line
        sink.Written[start..].CopyTo(slot.Line);
        slot.Length = length;
        slot.Name = name;
        slot.Value = value;
    }

    private sealed class Slot
    {
        internal string? Name;
        internal string? Value;
        internal readonly byte[] Line = new byte[MaxLine];
        internal int Length;
    }
}
