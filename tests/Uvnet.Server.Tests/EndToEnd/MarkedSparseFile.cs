namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// A large sparse file (<see cref="FileStream.SetLength"/>: no blocks written on ext4) holding zeros but for a few
/// short markers at odd offsets, so that a download can be checked byte for byte as it streams, without holding
/// it or hashing a gigabyte.
/// </summary>
internal sealed class MarkedSparseFile
{
    private readonly (long Offset, byte[] Bytes)[] _markers;

    private MarkedSparseFile(long length, (long Offset, byte[] Bytes)[] markers)
    {
        Length = length;
        _markers = markers;
    }

    /// <summary>The file's length.</summary>
    public long Length { get; }

    /// <summary>Creates the file at <paramref name="path"/>: markers at the start, past the middle (unaligned) and at the end.</summary>
    public static MarkedSparseFile Create(string path, long length)
    {
        var markers = new (long, byte[])[]
        {
            (0, "uvnet:first"u8.ToArray()),
            (length / 2 + 3, "uvnet:middle"u8.ToArray()),
            (length - 10, "uvnet:last"u8.ToArray()),
        };
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(length);
        foreach (var (offset, bytes) in markers)
        {
            file.Position = offset;
            file.Write(bytes);
        }
        return new MarkedSparseFile(length, markers);
    }

    /// <summary>
    /// Reads <paramref name="body"/> to its end in <paramref name="chunkSize"/> reads, checking each against the file;
    /// <paramref name="afterRead"/> runs with the byte count so far after each read (to pace the reader, or act
    /// mid-download). Returns the byte count.
    /// </summary>
    public async Task<long> VerifyAsync(Stream body, int chunkSize = 1024 * 1024, Func<long, Task>? afterRead = null)
    {
        var buffer = new byte[chunkSize];
        long position = 0;
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0)
        {
            Check(buffer.AsSpan(0, n), position);
            position += n;
            if (afterRead is not null)
                await afterRead(position);
        }
        return position;
    }

    /// <summary>Checks that <paramref name="chunk"/> is the file's content at <paramref name="position"/>.</summary>
    private void Check(Span<byte> chunk, long position)
    {
        Assert.True(position + chunk.Length <= Length, $"more bytes than the file has: {position + chunk.Length}");
        foreach (var (offset, bytes) in _markers)
        {
            long from = Math.Max(offset, position), to = Math.Min(offset + bytes.Length, position + chunk.Length);
            if (from >= to)
                continue;
            Span<byte> seen = chunk[(int)(from - position)..(int)(to - position)];
            Assert.True(seen.SequenceEqual(bytes.AsSpan((int)(from - offset), (int)(to - from))), $"marker at {offset} differs");
            seen.Clear(); // checked: the zero scan below skips it
        }
        int stray = chunk.IndexOfAnyExcept((byte)0);
        Assert.True(stray < 0, $"a non-zero byte at {position + stray}");
    }
}
