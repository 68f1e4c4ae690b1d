namespace Uvnet.Http.Server;

/// <summary>
/// The HTTP/1.1 head a server's responses wrote last, whole: a handler that answers alike at every request (TechEmpower's
/// plaintext: the same status, the same header strings, the same length, within the same second) gets the head copied as
/// one block instead of rendered line by line. A hit is the same <see cref="Key"/> (what the head plan decided, the Date
/// line's second) and the same header strings, as objects (strings do not change, and were validated when set); anything
/// else renders as before and takes the cache's place. One per server, used on its loop only; the buffer is made once,
/// so a miss allocates nothing.
/// </summary>
internal sealed class ResponseHeadCache
{
    private const int MaxFields = 8; // a handler's usual few; heads with more are rendered
    private const int MaxHead = 512; // longer heads are rare, and cost their rendering less in proportion

    private readonly byte[] _head = new byte[MaxHead];
    private readonly string?[] _fields = new string?[MaxFields * 2]; // name, value, name, value...
    private int _fieldCount;
    private int _length; // 0: nothing cached
    private Key _key;

    /// <summary>
    /// What, besides the header strings, decides a head's bytes: the status (with its standard reason phrase: a head with
    /// its own is never cached), which fields are left out and which are added, keep-alive, the Content-Length added,
    /// and the second of the Date line added (-1 without). The server's Server and Keep-Alive lines are fixed at its
    /// construction.
    /// </summary>
    internal readonly record struct Key(int Status, ServerResponse.SpecialHeaders Skip, ServerResponse.SpecialHeaders Add,
        bool KeepAlive, long Length, long DateSecond);

    /// <summary>Writes the cached head into <paramref name="sink"/> if it is the head of <paramref name="key"/> and <paramref name="headers"/>.</summary>
    internal bool TryWrite(OutputBuffer sink, in Key key, List<KeyValuePair<string, string>> headers)
    {
        if (_length == 0 || headers.Count != _fieldCount || !key.Equals(_key))
            return false;
        string?[] fields = _fields;
        for (int i = 0; i < headers.Count; i++)
        {
            KeyValuePair<string, string> field = headers[i];
            if (!ReferenceEquals(fields[2 * i], field.Key) || !ReferenceEquals(fields[2 * i + 1], field.Value))
                return false;
        }
        sink.Write(_head.AsSpan(0, _length));
        return true;
    }

    /// <summary>Keeps <paramref name="head"/>, just rendered for <paramref name="key"/> and <paramref name="headers"/>, unless it is too large to.</summary>
    internal void Remember(ReadOnlySpan<byte> head, in Key key, List<KeyValuePair<string, string>> headers)
    {
        if (head.Length > MaxHead || headers.Count > MaxFields)
            return; // the cache keeps the head it has
        for (int i = 0; i < headers.Count; i++)
        {
            _fields[2 * i] = headers[i].Key;
            _fields[2 * i + 1] = headers[i].Value;
        }
        Array.Clear(_fields, 2 * headers.Count, _fields.Length - 2 * headers.Count); // no strings kept alive past their use
        _fieldCount = headers.Count;
        head.CopyTo(_head);
        _length = head.Length;
        _key = key;
    }
}
