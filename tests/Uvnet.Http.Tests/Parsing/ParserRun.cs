using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Feeds an input to a fresh parser (a request parser, unless a response parser is asked for) in pieces (whole,
/// byte by byte, or in random splits), resuming after every pause and stopping at an upgrade or an error; the
/// result is the log of callbacks and how it ended (for a response, <c>Finish</c>'s callbacks included).
/// </summary>
internal static class ParserRun
{
    public static string Whole(string input, HttpParserLimits? limits = null, bool response = false) =>
        Feed(Bytes(input), [int.MaxValue], limits, response);

    public static string ByteByByte(string input, HttpParserLimits? limits = null, bool response = false) =>
        Feed(Bytes(input), [1], limits, response);

    public static string RandomSplits(string input, int seed, HttpParserLimits? limits = null, bool response = false) =>
        RandomSplits(Bytes(input), seed, limits, response);

    public static string RandomSplits(byte[] input, int seed, HttpParserLimits? limits = null, bool response = false) =>
        Feed(input, RandomSizes(input.Length, seed), limits, response);

    /// <summary>Random piece sizes for an input of <paramref name="length"/> bytes, the first piece one byte.</summary>
    public static List<int> RandomSizes(int length, int seed)
    {
        var random = new Random(seed);
        var sizes = new List<int> { 1 };
        for (int total = 1; total < length;)
        {
            int size = random.Next(1, Math.Max(2, length / 3));
            sizes.Add(size);
            total += size;
        }

        return sizes;
    }

    /// <summary>Asserts that whole, byte by byte and several random splits report the same; returns that.</summary>
    public static string Consistent(string input, HttpParserLimits? limits = null, bool response = false)
    {
        string whole = Whole(input, limits, response);
        Assert.Equal(whole, ByteByByte(input, limits, response));
        for (int seed = 1; seed <= 5; seed++)
        {
            Assert.Equal(whole, RandomSplits(input, seed, limits, response));
        }

        return whole;
    }

    /// <summary>Asserts that the input split in two at every point reports what it does whole.</summary>
    public static void AssertEverySplitPointAgrees(string input, bool response = false)
    {
        byte[] bytes = Bytes(input);
        string whole = Feed(bytes, [int.MaxValue], response: response);
        for (int at = 1; at < bytes.Length; at++)
        {
            Assert.Equal(whole, Feed(bytes, [at, int.MaxValue], response: response));
        }
    }

    /// <summary>Asserts that the input, however split, stops with <paramref name="error"/>.</summary>
    public static void AssertStopsWith(string input, HttpParserError error, bool response = false) =>
        Assert.StartsWith($"error:{error}@", Consistent(input, response: response).Split('\n')[^1]);

    public static byte[] Bytes(string input) => Encoding.Latin1.GetBytes(input);

    /// <summary>Feeds <paramref name="input"/> in pieces of the given sizes (the last repeated).</summary>
    public static string Feed(byte[] input, IReadOnlyList<int> sizes, HttpParserLimits? limits = null, bool response = false)
    {
        limits ??= HttpParserLimits.Default;
        HttpMessageParser parser = response ? new HttpResponseParser(limits) : new HttpRequestParser(limits);
        var handler = new RecordingHandler(parser);
        return Feed(parser, ref handler, input, sizes);
    }

    /// <summary>
    /// Feeds <paramref name="input"/> to <paramref name="parser"/> in pieces of the given sizes (the last repeated),
    /// then says the stream ended unless <paramref name="finish"/> is false.
    /// </summary>
    public static string Feed(HttpMessageParser parser, ref RecordingHandler handler, byte[] input, IReadOnlyList<int> sizes, bool finish = true)
    {
        int pos = 0;
        int piece = 0;
        while (true)
        {
            int size = Math.Min(sizes[Math.Min(piece++, sizes.Count - 1)], input.Length - pos);
            HttpParserError error = Execute(parser, ref handler, input.AsSpan(pos, size), out int consumed);
            Assert.InRange(consumed, 0, size);
            pos += consumed;
            if (error == HttpParserError.Paused)
            {
                Assert.Equal(parser.BytesConsumed, parser.ErrorOffset);
                parser.Resume();
                continue;
            }

            if (error == HttpParserError.PausedUpgrade)
            {
                handler.Log.Add($"upgrade@{pos}");
                break;
            }

            if (error != HttpParserError.None)
            {
                Assert.InRange(parser.ErrorOffset, 0, input.Length);
                handler.Log.Add($"error:{error}@{parser.ErrorOffset}");
                break;
            }

            if (pos == input.Length)
            {
                HttpParserError end = !finish ? HttpParserError.None
                    : parser is HttpRequestParser request ? request.Finish()
                    : ((HttpResponseParser)parser).Finish(ref handler);
                if (end != HttpParserError.None)
                {
                    handler.Log.Add($"eof:{end}");
                }

                break;
            }
        }

        return string.Join('\n', handler.Log);
    }

    public static HttpParserError Execute(HttpMessageParser parser, ref RecordingHandler handler, ReadOnlySpan<byte> data, out int consumed) =>
        parser is HttpRequestParser request
            ? request.Execute(ref handler, data, out consumed)
            : ((HttpResponseParser)parser).Execute(ref handler, data, out consumed);
}
