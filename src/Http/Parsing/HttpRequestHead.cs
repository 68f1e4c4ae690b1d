using System.Text;

namespace Uvnet.Http.Parsing;

/// <summary>
/// The easy path to a request's head: a handler appends the pieces its callbacks receive, and reads back the
/// method, target and fields whole, with each value's trailing whitespace removed (RFC 9112 §5.1).
/// </summary>
/// <remarks>
/// <para>Reuse one per connection and <see cref="Clear"/> it at each message begin: it allocates only while its
/// buffers grow, and the parser's <see cref="HttpParserLimits"/> bound how far they can grow. A struct handler
/// forwards its span callbacks:</para>
/// <code>
/// public void OnMethod(ReadOnlySpan&lt;byte&gt; method) => Head.AppendMethod(method);
/// public void OnUrl(ReadOnlySpan&lt;byte&gt; url) => Head.AppendUrl(url);
/// public void OnHeaderField(ReadOnlySpan&lt;byte&gt; name) => Head.AppendHeaderName(name);
/// public void OnHeaderValue(ReadOnlySpan&lt;byte&gt; value) => Head.AppendHeaderValue(value);
/// </code>
/// <para>Spans it returns are valid until the next append or <see cref="Clear"/>.</para>
/// </remarks>
public sealed class HttpRequestHead
{
    private const int DefaultCapacity = 1024;
    private const int DefaultFieldCapacity = 16;

    private enum Part : byte
    {
        None,
        Method,
        Url,
        Name,
        Value,
    }

    private record struct Field(int NameStart, int NameLength, int ValueStart, int ValueLength);

    private byte[] _bytes = new byte[DefaultCapacity];
    private Field[] _fields = new Field[DefaultFieldCapacity];
    private int _length;
    private int _fieldCount;
    private int _methodLength;
    private int _urlStart;
    private int _urlLength;
    private Part _last;

    /// <summary>The method's bytes.</summary>
    public ReadOnlySpan<byte> Method => _bytes.AsSpan(0, _methodLength);

    /// <summary>The request-target's bytes, as received.</summary>
    public ReadOnlySpan<byte> Url => _bytes.AsSpan(_urlStart, _urlLength);

    /// <summary>How many fields were appended.</summary>
    public int HeaderCount => _fieldCount;

    /// <summary>Forgets the head, keeping the buffers for the next one.</summary>
    public void Clear()
    {
        _length = 0;
        _fieldCount = 0;
        _methodLength = 0;
        _urlStart = 0;
        _urlLength = 0;
        _last = Part.None;
    }

    /// <summary>Appends a piece of the method.</summary>
    /// <param name="piece">What <see cref="IHttpParserHandler.OnMethod"/> received.</param>
    public void AppendMethod(ReadOnlySpan<byte> piece)
    {
        Append(piece);
        _methodLength += piece.Length;
        _last = Part.Method;
    }

    /// <summary>Appends a piece of the request-target.</summary>
    /// <param name="piece">What <see cref="IHttpParserHandler.OnUrl"/> received.</param>
    public void AppendUrl(ReadOnlySpan<byte> piece)
    {
        if (_last != Part.Url)
        {
            _urlStart = _length;
            _urlLength = 0;
        }

        Append(piece);
        _urlLength += piece.Length;
        _last = Part.Url;
    }

    /// <summary>Appends a piece of a field name: a new field unless it continues the name just appended.</summary>
    /// <param name="piece">What <see cref="IHttpMessageParserHandler.OnHeaderField"/> received.</param>
    public void AppendHeaderName(ReadOnlySpan<byte> piece)
    {
        if (_last != Part.Name)
        {
            if (_fieldCount == _fields.Length)
            {
                Array.Resize(ref _fields, _fields.Length * 2);
            }

            _fields[_fieldCount++] = new Field(_length, 0, _length, 0);
        }

        Append(piece);
        _fields[_fieldCount - 1].NameLength += piece.Length;
        _last = Part.Name;
    }

    /// <summary>Appends a piece of the value of the field whose name was appended last.</summary>
    /// <param name="piece">What <see cref="IHttpMessageParserHandler.OnHeaderValue"/> received.</param>
    /// <exception cref="InvalidOperationException">No field name was appended before.</exception>
    public void AppendHeaderValue(ReadOnlySpan<byte> piece)
    {
        if (_fieldCount == 0)
        {
            throw new InvalidOperationException("A header value needs a header name before it.");
        }

        ref Field field = ref _fields[_fieldCount - 1];
        if (_last == Part.Name)
        {
            field.ValueStart = _length;
        }

        Append(piece);
        field.ValueLength += piece.Length;
        _last = Part.Value;
    }

    /// <summary>The name of the field at <paramref name="index"/>, as received.</summary>
    /// <param name="index">From 0 to <see cref="HeaderCount"/> - 1, in arrival order.</param>
    public ReadOnlySpan<byte> GetHeaderName(int index)
    {
        Field field = GetField(index);
        return _bytes.AsSpan(field.NameStart, field.NameLength);
    }

    /// <summary>The value of the field at <paramref name="index"/>, without trailing whitespace.</summary>
    /// <param name="index">From 0 to <see cref="HeaderCount"/> - 1, in arrival order.</param>
    public ReadOnlySpan<byte> GetHeaderValue(int index)
    {
        Field field = GetField(index);
        return _bytes.AsSpan(field.ValueStart, field.ValueLength).TrimEnd(" \t"u8);
    }

    /// <summary>Finds the first field with the given name (compared without regard to ASCII case).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">Its value without trailing whitespace, when found.</param>
    /// <returns>Whether a field has that name.</returns>
    public bool TryGetHeaderValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < _fieldCount; i++)
        {
            if (Ascii.EqualsIgnoreCase(GetHeaderName(i), name))
            {
                value = GetHeaderValue(i);
                return true;
            }
        }

        value = default;
        return false;
    }

    private Field GetField(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_fieldCount, nameof(index));
        return _fields[index];
    }

    private void Append(ReadOnlySpan<byte> piece)
    {
        if (_length + piece.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + piece.Length));
        }

        piece.CopyTo(_bytes.AsSpan(_length));
        _length += piece.Length;
    }
}
