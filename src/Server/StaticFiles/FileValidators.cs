using System.Globalization;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// A file's validators: its <see cref="ETag"/> and <see cref="LastModified"/> date, made from its length and
/// last-write time, as nginx and Apache do (no hashing of content, so any size is served at once).
/// </summary>
/// <remarks>
/// The ETag is <c>"&lt;length hex&gt;-&lt;last-write ticks hex&gt;"</c>, strong: a file would have to be rewritten to the
/// same length within one tick of its file system's clock (nanoseconds on ext4, xfs, btrfs, APFS) to keep its
/// tag while its bytes changed. Strong matters: If-Range takes only a strong tag, so a resumed download
/// can use it. The one window where that promise is weak is while the file is still being written; so, as
/// Apache does, a file modified less than a second ago gets a weak tag (<c>W/"..."</c>), and its Last-Modified
/// does not count as strong either (RFC 9110 §8.8.2.2).
/// </remarks>
public readonly record struct FileValidators
{
    /// <summary>The file's length in bytes.</summary>
    public long Length { get; init; }

    /// <summary>The Last-Modified date: the last-write time to the second, never later than now.</summary>
    public DateTimeOffset LastModified { get; init; }

    /// <summary>The entity tag.</summary>
    public EntityTag ETag { get; init; }

    /// <summary>Whether the validators are strong (the file was not modified within the last second).</summary>
    public bool IsStrong => !ETag.IsWeak;

    /// <summary>The Last-Modified field value (IMF-fixdate).</summary>
    public string LastModifiedText => HttpDate.Format(LastModified);

    /// <summary>The validators of a file of <paramref name="length"/> bytes last written at <paramref name="lastWrite"/>, as of <paramref name="now"/>.</summary>
    public static FileValidators For(long length, DateTimeOffset lastWrite, DateTimeOffset now)
    {
        bool settled = now - lastWrite >= TimeSpan.FromSeconds(1);
        string opaque = string.Create(CultureInfo.InvariantCulture, $"\"{length:x}-{lastWrite.UtcTicks:x}\"");
        return new FileValidators
        {
            Length = length,
            LastModified = HttpDate.TruncateToSeconds(lastWrite < now ? lastWrite : now),
            ETag = new EntityTag(opaque, IsWeak: !settled),
        };
    }

    /// <summary>The validators of <paramref name="file"/> as of <paramref name="now"/>.</summary>
    public static FileValidators For(FileInfo file, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(file);
        return For(file.Length, file.LastWriteTimeUtc, now);
    }
}
