using System.Globalization;

namespace Uvnet.Server.StaticFiles;

/// <summary>A run of bytes of a representation: <see cref="Length"/> bytes from <see cref="Offset"/>.</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    /// <summary>The position of the last byte.</summary>
    public long Last => Offset + Length - 1;

    /// <summary>The Content-Range of this range of a representation of <paramref name="size"/> bytes: <c>bytes 0-99/1000</c>.</summary>
    public string ContentRange(long size) => string.Create(CultureInfo.InvariantCulture, $"bytes {Offset}-{Last}/{size}");
}

/// <summary>How to answer a request's Range field.</summary>
public enum RangeOutcome
{
    /// <summary>200 with the whole representation: no Range, one that does not apply, or one not supported.</summary>
    Full,

    /// <summary>206 Partial Content with <see cref="RangeResult.Range"/>.</summary>
    Partial,

    /// <summary>416 Range Not Satisfiable, with <c>Content-Range: bytes */size</c>.</summary>
    NotSatisfiable,

    /// <summary>206 Partial Content with several ranges (<see cref="RangeResult.Ranges"/>) as multipart/byteranges.</summary>
    Multipart,
}

/// <summary>The answer to a Range field: the outcome and, for <see cref="RangeOutcome.Partial"/>, the range.</summary>
public readonly record struct RangeResult(RangeOutcome Outcome, ByteRange Range)
{
    /// <summary>For <see cref="RangeOutcome.Multipart"/>, the ranges in the order asked; otherwise empty.</summary>
    public IReadOnlyList<ByteRange> Ranges { get; init; } = [];

    internal static RangeResult Full => new(RangeOutcome.Full, default);

    internal static RangeResult NotSatisfiable => new(RangeOutcome.NotSatisfiable, default);
}

/// <summary>
/// Range requests (RFC 9110 §14): <c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>, and several of them
/// (multipart/byteranges, §14.6). A Range that does not parse or names another unit gets the whole
/// representation (200), as the RFC has it; so does one asking for more than <see cref="MaxRanges"/> ranges or
/// for more bytes than the representation holds (overlaps), which §14.2 lets a server refuse that way: a few
/// bytes of request must not cost many times the file.
/// </summary>
public static class RangeRequest
{
    /// <summary>The most ranges one request gets as multipart/byteranges (Apache's default is 200; a PDF viewer asks for a handful).</summary>
    public const int MaxRanges = 32;

    /// <summary>
    /// Decides the answer to a <paramref name="method"/> request with <paramref name="range"/> and
    /// <paramref name="ifRange"/> (null when absent) for a representation with <paramref name="validators"/>.
    /// Only GET has ranges; If-Range, when present, must match for the Range to apply.
    /// </summary>
    public static RangeResult Evaluate(string method, string? range, string? ifRange, in FileValidators validators)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (range is null || method != "GET" || !IfRangeAllows(ifRange, validators))
            return RangeResult.Full;
        return Parse(range, validators.Length);
    }

    /// <summary>
    /// Whether If-Range lets the Range apply (RFC 9110 §13.1.5): absent, or an entity tag equal to the current one
    /// by strong comparison, or an HTTP date exactly equal to Last-Modified, which must itself be strong.
    /// </summary>
    public static bool IfRangeAllows(string? ifRange, in FileValidators validators)
    {
        if (ifRange is null)
            return true;
        string value = ifRange.Trim();
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
            return EntityTag.TryParse(value, out EntityTag tag) && EntityTag.StrongEquals(tag, validators.ETag);
        return validators.IsStrong && HttpDate.TryParse(value, out DateTimeOffset date) && date == validators.LastModified;
    }

    /// <summary>Whether a <paramref name="method"/> request's Range field lists more than one range: a multipart/byteranges answer when they apply.</summary>
    internal static bool AsksForSeveral(string method, string? range) =>
        method == "GET" && range is not null && range.Split(',').Count(member => !string.IsNullOrWhiteSpace(member)) > 1;

    /// <summary>The answer to <paramref name="range"/> for a representation of <paramref name="size"/> bytes.</summary>
    public static RangeResult Parse(string range, long size)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ReadOnlySpan<char> value = range.AsSpan().Trim();
        int equals = value.IndexOf('=');
        if (equals < 0 || !value[..equals].Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase))
            return RangeResult.Full;
        ReadOnlySpan<char> set = value[(equals + 1)..].Trim();
        var satisfiable = new List<ByteRange>();
        int members = 0;
        foreach (Range member in set.Split(','))
        {
            // The list rule allows empty members ("bytes=0-1,").
            ReadOnlySpan<char> spec = set[member].Trim();
            if (spec.IsEmpty)
                continue;
            if (++members > MaxRanges)
                return RangeResult.Full;
            RangeResult one = ParseOne(spec, size);
            if (one.Outcome == RangeOutcome.Full)
                return RangeResult.Full; // one invalid member makes the whole field invalid: ignored
            if (one.Outcome == RangeOutcome.Partial)
                satisfiable.Add(one.Range);
        }
        if (members == 0)
            return RangeResult.Full;
        if (satisfiable.Count == 0)
            return RangeResult.NotSatisfiable;
        if (satisfiable.Count == 1)
            return new RangeResult(RangeOutcome.Partial, satisfiable[0]);
        if (satisfiable.Sum(r => r.Length) > size)
            return RangeResult.Full;
        return new RangeResult(RangeOutcome.Multipart, default) { Ranges = satisfiable };
    }

    /// <summary>One byte-range-spec of a representation of <paramref name="size"/> bytes: Partial, NotSatisfiable, or Full when invalid.</summary>
    private static RangeResult ParseOne(ReadOnlySpan<char> set, long size)
    {
        int dash = set.IndexOf('-');
        if (dash < 0)
            return RangeResult.Full;
        ReadOnlySpan<char> first = set[..dash].Trim(), last = set[(dash + 1)..].Trim();
        if (first.IsEmpty)
            return TryParseDigits(last, out long suffix) ? Suffix(suffix, size) : RangeResult.Full;
        if (!TryParseDigits(first, out long offset))
            return RangeResult.Full;
        long end = long.MaxValue;
        if (!last.IsEmpty && !TryParseDigits(last, out end))
            return RangeResult.Full;
        if (end < offset)
            return RangeResult.Full; // last-pos before first-pos: invalid, so ignored
        if (offset >= size)
            return RangeResult.NotSatisfiable;
        end = Math.Min(end, size - 1);
        return new RangeResult(RangeOutcome.Partial, new ByteRange(offset, end - offset + 1));
    }

    /// <summary>The Content-Range of a 416: <c>bytes */size</c>.</summary>
    public static string UnsatisfiedContentRange(long size) => string.Create(CultureInfo.InvariantCulture, $"bytes */{size}");

    private static RangeResult Suffix(long suffix, long size)
    {
        if (suffix == 0)
            return RangeResult.NotSatisfiable;
        // An empty representation has no bytes to send in a 206: send it whole (and empty).
        if (size == 0)
            return RangeResult.Full;
        long length = Math.Min(suffix, size);
        return new RangeResult(RangeOutcome.Partial, new ByteRange(size - length, length));
    }

    /// <summary>Parses 1*DIGIT; a value too large for a long saturates (such a position is past any file's end).</summary>
    private static bool TryParseDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
            return false;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : value * 10 + (c - '0');
        }
        return true;
    }
}
