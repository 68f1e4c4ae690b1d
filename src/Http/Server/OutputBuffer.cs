using System.Text;

namespace Uvnet.Http.Server;

/// <summary>
/// Bytes waiting to be written, in an array rented from <see cref="OutputArrays"/>. A flush hands the array to the
/// socket (it goes back once the socket has taken its bytes, see <see cref="OutputArraysInFlight"/>)
/// and the buffer rents a fresh one: the steady state allocates nothing.
/// </summary>
internal sealed class OutputBuffer
{
    private byte[] _array = [];
    private int _length;

    internal int Length => _length;

    internal bool IsEmpty => _length == 0;

    internal Span<byte> GetSpan(int size)
    {
        if (_array.Length - _length < size)
            Grow(size);
        return _array.AsSpan(_length);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the span <see cref="GetSpan"/> returned.</summary>
    internal void Advance(int count) => _length += count;

    /// <summary>What was written so far, for a writer that patches a byte it wrote (an HTTP/2 frame's flags).</summary>
    internal Span<byte> Written => _array.AsSpan(0, _length);

    internal void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Writes text byte for byte (header names and values are validated to hold nothing above 0xFF before they get here).</summary>
    internal void WriteLatin1(string text)
    {
        int n = Encoding.Latin1.GetBytes(text, GetSpan(text.Length));
        _length += n;
    }

    /// <summary>Writes a field line, <c>name: value</c> and CRLF (both checked by <see cref="FieldValidation"/> before).</summary>
    internal void WriteField(string name, string value)
    {
        WriteLatin1(name);
        Write(": "u8);
        WriteLatin1(value);
        Write("\r\n"u8);
    }

    internal void WriteDecimal(long value)
    {
        value.TryFormat(GetSpan(20), out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    internal void WriteHex(long value)
    {
        value.TryFormat(GetSpan(16), out int written, "x", System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    /// <summary>Copies the <paramref name="range"/> of what was written into <paramref name="destination"/>.</summary>
    internal void CopyTo(OutputBuffer destination, Range range) => destination.Write(_array.AsSpan(0, _length)[range]);

    /// <summary>Takes the written bytes out: the caller owns the array (return it to the pool when written).</summary>
    internal ArraySegment<byte> Detach()
    {
        var segment = new ArraySegment<byte>(_array, 0, _length);
        _array = [];
        _length = 0;
        return segment;
    }

    /// <summary>Forgets what was written and gives the array back.</summary>
    internal void Release()
    {
        if (_array.Length > 0)
            OutputArrays.Return(_array);
        _array = [];
        _length = 0;
    }

    private void Grow(int size)
    {
        // The first array is large enough for a pipelined batch of small responses in one write (OutputArrays.Size).
        byte[] bigger = OutputArrays.Rent(Math.Max(_length + size, _array.Length * 2));
        _array.AsSpan(0, _length).CopyTo(bigger);
        if (_array.Length > 0)
            OutputArrays.Return(_array);
        _array = bigger;
    }
}
