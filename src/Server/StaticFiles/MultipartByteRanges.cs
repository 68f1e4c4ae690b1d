using System.Text;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// A 206 body of several ranges (RFC 9110 §14.6): each part a boundary, its Content-Type and Content-Range, and
/// its bytes; then the closing boundary. The parts are read into memory (sendfile sends one run of one file), so
/// a request whose ranges add up to more than <see cref="MaxBytes"/> is answered whole instead.
/// </summary>
internal static class MultipartByteRanges
{
    /// <summary>
    /// The most bytes of ranges read into one multipart body: the read blocks the loop, so it stays short (well
    /// under a millisecond from the page cache); a viewer's handful of pages fits.
    /// </summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>The media type of the body, before its boundary parameter.</summary>
    public const string MediaType = "multipart/byteranges";

    /// <summary>
    /// The body for <paramref name="ranges"/> of the file at <paramref name="path"/> (<paramref name="size"/> bytes of
    /// <paramref name="contentType"/>), with its Content-Type. Only GET has ranges, so the body is always sent.
    /// </summary>
    /// <exception cref="IOException">The file could not be read, or is shorter than it was.</exception>
    public static (string ContentType, byte[] Body) Render(string path, string contentType, long size, IReadOnlyList<ByteRange> ranges)
    {
        // Random, so no file's bytes can hold it by design.
        string boundary = Guid.NewGuid().ToString("N");
        var heads = ranges.Select((r, i) => Encoding.ASCII.GetBytes(
            $"{(i == 0 ? "" : "\r\n")}--{boundary}\r\nContent-Type: {contentType}\r\nContent-Range: {r.ContentRange(size)}\r\n\r\n")).ToList();
        byte[] tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var body = new byte[heads.Sum(h => h.Length) + ranges.Sum(r => r.Length) + tail.Length];
        int at = 0;
        using var file = File.OpenHandle(path);
        for (int i = 0; i < ranges.Count; i++)
        {
            heads[i].CopyTo(body, at);
            at += heads[i].Length;
            for (long done = 0; done < ranges[i].Length;)
            {
                int n = RandomAccess.Read(file, body.AsSpan(at, (int)(ranges[i].Length - done)), ranges[i].Offset + done);
                if (n == 0)
                    throw new IOException($"{path} is shorter than it was");
                done += n;
                at += n;
            }
        }
        tail.CopyTo(body, at);
        return ($"{MediaType}; boundary={boundary}", body);
    }
}
