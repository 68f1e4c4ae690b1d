using System.IO.Compression;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// <c>--compress</c>: text files compressed on the fly (Brotli or gzip, System.IO.Compression) and kept by entity
/// tag, so a file is compressed once per version and coding (a version whose tag is weak, being written, each time). The cache holds at most a bounded number of bytes (keys and bookkeeping counted),
/// the least recently used going first. Every loop of the server shares it, so it locks.
/// </summary>
internal sealed class CompressedCache(long capacityBytes)
{
    /// <summary>The default bound on the bytes kept: a site's text assets, not a second copy of a large folder.</summary>
    public const long DefaultCapacityBytes = 32L << 20;

    /// <summary>Below this, the coding's own overhead eats most of the gain (nginx's gzip_min_length habit, a little higher).</summary>
    public const long MinFileBytes = 256;

    /// <summary>Above this a file is sent as it is: compressing runs on the loop and must stay short.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>
    /// What an entry holds beyond its bytes and its key's characters: the list node, the dictionary entry and the
    /// array's and string's headers, about this much on 64-bit.
    /// </summary>
    private const long EntryOverheadBytes = 128;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Bytes)>> _entries = [];
    private readonly LinkedList<(string Key, byte[] Bytes)> _byUse = [];
    private long _bytes;

    /// <summary>How many compressed versions are kept.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    /// <summary>Whether a file of <paramref name="contentType"/> and <paramref name="length"/> bytes is worth compressing: text, JSON, XML, SVG, JavaScript, WebAssembly.</summary>
    public static bool Compressible(string contentType, long length) =>
        length is >= MinFileBytes and <= MaxFileBytes
        && (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.StartsWith("application/wasm", StringComparison.Ordinal)
            || contentType.Split(';')[0] is var type && (type.EndsWith("json", StringComparison.Ordinal) || type.EndsWith("xml", StringComparison.Ordinal)
                || type.EndsWith("javascript", StringComparison.Ordinal)));

    /// <summary>The file at <paramref name="path"/> (version <paramref name="tag"/>) in <paramref name="coding"/>, compressed now or found kept.</summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    public byte[] Get(string path, EntityTag tag, string coding)
    {
        string key = Key(path, tag, coding);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var found))
            {
                _byUse.Remove(found);
                _byUse.AddFirst(found);
                return found.Value.Bytes;
            }
        }
        byte[] compressed = Compress(File.ReadAllBytes(path), coding);
        lock (_lock)
        {
            // A weak tag is a file written within the last second: a write in the same clock tick can change its bytes
            // and keep its length and date, so the tag does not pin them, and what was read is not kept under it.
            if (!tag.IsWeak && !_entries.ContainsKey(key) && Cost(key, compressed.Length) <= capacityBytes)
            {
                _entries[key] = _byUse.AddFirst((key, compressed));
                _bytes += Cost(key, compressed.Length);
                while (_bytes > capacityBytes && _byUse.Last is { } oldest)
                {
                    _byUse.RemoveLast();
                    _entries.Remove(oldest.Value.Key);
                    _bytes -= Cost(oldest.Value.Key, oldest.Value.Bytes.Length);
                }
            }
        }
        return compressed;
    }

    /// <summary>
    /// The memory an entry holds, counted against the capacity: a small file compresses to fewer bytes than its key
    /// (coding, tag, full path) takes, so the bytes alone would let the keys grow far past the bound.
    /// </summary>
    internal static long Cost(string key, long byteCount) => byteCount + ((long)key.Length * sizeof(char)) + EntryOverheadBytes;

    /// <summary>The key of <paramref name="path"/>'s version <paramref name="tag"/> in <paramref name="coding"/>.</summary>
    internal static string Key(string path, EntityTag tag, string coding) => $"{coding}\n{tag}\n{path}";

    private static byte[] Compress(byte[] bytes, string coding)
    {
        var output = new MemoryStream();
        // Fastest: the work runs on a loop thread once per version; Brotli's level 1 still beats gzip's best on text.
        using (Stream stream = coding == "br"
            ? new BrotliStream(output, CompressionLevel.Fastest)
            : new GZipStream(output, CompressionLevel.Fastest))
            stream.Write(bytes);
        return output.ToArray();
    }
}
