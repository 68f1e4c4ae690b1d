using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Feeds an input to a fresh parser in pieces (whole, byte by byte, or in random splits), resuming after every
/// pause and stopping at an upgrade or an error; the result is the log of callbacks and how it ended.
/// </summary>
internal static class ParserRun
{
    public static string Whole(string input, HttpParserLimits? limits = null) =>
        Feed(Bytes(input), [int.MaxValue], limits);

    public static string ByteByByte(string input, HttpParserLimits? limits = null) =>
        Feed(Bytes(input), [1], limits);

    public static string RandomSplits(string input, int seed, HttpParserLimits? limits = null) =>
        RandomSplits(Bytes(input), seed, limits);

    public static string RandomSplits(byte[] input, int seed, HttpParserLimits? limits = null)
    {
        var random = new Random(seed);
        var sizes = new List<int> { 1 };
        for (int total = 1; total < input.Length;)
        {
            int size = random.Next(1, Math.Max(2, input.Length / 3));
            sizes.Add(size);
            total += size;
        }

        return Feed(input, sizes, limits);
    }

    /// <summary>Asserts that whole, byte by byte and several random splits report the same; returns that.</summary>
    public static string Consistent(string input, HttpParserLimits? limits = null)
    {
        string whole = Whole(input, limits);
        Assert.Equal(whole, ByteByByte(input, limits));
        for (int seed = 1; seed <= 5; seed++)
        {
            Assert.Equal(whole, RandomSplits(input, seed, limits));
        }

        return whole;
    }

    /// <summary>Asserts that the input, however split, stops with <paramref name="error"/>.</summary>
    public static void AssertStopsWith(string input, HttpParserError error) =>
        Assert.StartsWith($"error:{error}@", Consistent(input).Split('\n')[^1]);

    public static byte[] Bytes(string input) => Encoding.Latin1.GetBytes(input);

    /// <summary>Feeds <paramref name="input"/> in pieces of the given sizes (the last repeated).</summary>
    public static string Feed(byte[] input, IReadOnlyList<int> sizes, HttpParserLimits? limits = null)
    {
        var parser = new HttpRequestParser(limits ?? HttpParserLimits.Default);
        var handler = new RecordingHandler(parser);
        return Feed(parser, ref handler, input, sizes);
    }

    public static string Feed(HttpRequestParser parser, ref RecordingHandler handler, byte[] input, IReadOnlyList<int> sizes)
    {
        int pos = 0;
        int piece = 0;
        while (true)
        {
            int size = Math.Min(sizes[Math.Min(piece++, sizes.Count - 1)], input.Length - pos);
            HttpParserError error = parser.Execute(ref handler, input.AsSpan(pos, size), out int consumed);
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
                HttpParserError end = parser.Finish();
                if (end != HttpParserError.None)
                {
                    handler.Log.Add($"eof:{end}");
                }

                break;
            }
        }

        return string.Join('\n', handler.Log);
    }
}
