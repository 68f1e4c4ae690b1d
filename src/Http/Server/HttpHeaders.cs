using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>
/// A request's header fields: case-insensitive lookup, repeated fields kept in arrival order, raw pairs as
/// received. Built from the request's bytes on first use, so a handler that never looks allocates nothing. Its
/// members are for its loop's thread, as the request's are (the connection reloads it for its next request).
/// </summary>
public sealed class HttpHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _raw = [];
    private Loop? _loop; // null while never loaded (a request's empty Trailers, shared): nothing there ever changes

    /// <summary>
    /// Loads the fields of <paramref name="head"/>, the first <paramref name="maxCount"/> of them (0: all), as Node's
    /// maxHeadersCount. A name or value whose bytes are those of the previous load's field at the same place keeps that
    /// field's string: a kept-alive client sends the same fields request after request (and an upstream the same
    /// response fields), so reading them allocates nothing once warm.
    /// </summary>
    internal void Load(HttpRequestHead head, Loop loop, int maxCount)
    {
        _loop = loop;
        int count = maxCount == 0 ? head.HeaderCount : Math.Min(maxCount, head.HeaderCount);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> name = head.GetHeaderName(i), value = head.GetHeaderValue(i);
            if (i < _raw.Count)
            {
                var (oldName, oldValue) = _raw[i];
                if (!Same(oldName, name) || !Same(oldValue, value))
                    _raw[i] = new(Same(oldName, name) ? oldName : Encoding.Latin1.GetString(name), Same(oldValue, value) ? oldValue : Encoding.Latin1.GetString(value));
            }
            else
                _raw.Add(new(Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
        }
        _raw.RemoveRange(count, _raw.Count - count);
    }

    // Latin-1 text equal to the bytes: ASCII's comparison is vectorised, and a field with bytes past 0x7F (obs-text)
    // is just made again.
    private static bool Same(string text, ReadOnlySpan<byte> bytes) => text.Length == bytes.Length && Ascii.Equals(bytes, text);

    /// <summary>
    /// A copy of these fields that no later load changes: for the HTTP/2 stream-level API, whose handlers may keep
    /// the headers past the stream while this object is reloaded for the pooled request's next use.
    /// </summary>
    internal HttpHeaders Snapshot()
    {
        VerifyLoopThread();
        var copy = new HttpHeaders { _loop = _loop };
        copy._raw.AddRange(_raw);
        return copy;
    }

    /// <summary>Number of fields, repeats included.</summary>
    public int Count
    {
        get
        {
            VerifyLoopThread();
            return _raw.Count;
        }
    }

    /// <summary>The fields as received: names with their original case, in order (Node's <c>rawHeaders</c> as pairs).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Raw
    {
        get
        {
            VerifyLoopThread();
            return _raw;
        }
    }

    /// <summary>
    /// The value of the field <paramref name="name"/> (any case), or null. Repeated fields are joined with
    /// ", " (RFC 9110 §5.3), <c>Cookie</c> with "; " (the crumbs HTTP/2 clients split it into, RFC 9113 §8.2.3; as
    /// Node), except <c>Set-Cookie</c>, whose first value is returned (use <see cref="GetAll"/>).
    /// </summary>
    public string? this[string name] => Get(name);

    /// <inheritdoc cref="this[string]"/>
    public string? Get(string name)
    {
        VerifyLoopThread();
        return Join(_raw, name);
    }

    /// <summary>Every value of the field <paramref name="name"/>, in arrival order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        VerifyLoopThread();
        return All(_raw, name);
    }

    /// <summary>The value of <paramref name="name"/> among <paramref name="fields"/>, by the rule of <see cref="Get"/> (a response's headers follow it too).</summary>
    internal static string? Join(List<KeyValuePair<string, string>> fields, string name)
    {
        string? found = null;
        foreach (var (n, v) in fields)
        {
            if (!n.Equals(name, StringComparison.OrdinalIgnoreCase))
                continue;
            if (found is null)
                found = v;
            else if (name.Equals("cookie", StringComparison.OrdinalIgnoreCase))
                found = $"{found}; {v}"; // RFC 9113 §8.2.3: HTTP/2 splits Cookie into crumbs, joined so (as Node does)
            else if (!name.Equals("set-cookie", StringComparison.OrdinalIgnoreCase))
                found = $"{found}, {v}"; // RFC 9110 §5.3; Set-Cookie values cannot be joined (RFC 6265 §3)
        }
        return found;
    }

    /// <summary>Every value of <paramref name="name"/> among <paramref name="fields"/>, in order.</summary>
    internal static IReadOnlyList<string> All(List<KeyValuePair<string, string>> fields, string name) =>
        fields.Where(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p.Value).ToList();

    /// <summary>Whether a field named <paramref name="name"/> (any case) is present.</summary>
    public bool Contains(string name)
    {
        VerifyLoopThread();
        foreach (var (n, _) in _raw) // not List.Exists: its predicate would be a closure made at each call
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        VerifyLoopThread();
        return _raw.GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Refuses a call from off the loop's thread (see <see cref="LoopThread"/>).</summary>
    private void VerifyLoopThread([CallerMemberName] string member = "")
    {
        if (_loop is not null)
            LoopThread.Verify(_loop, nameof(HttpHeaders), member);
    }
}
