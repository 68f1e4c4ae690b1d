using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Mutated requests through the whole server (deterministic seed): every input gets well-framed HTTP/1.1 responses
/// or a clean close, never an exception out of the loop or a hang; sent whole or in pieces, it gets the same
/// answers (one framing for the same bytes); and the server serves normally afterwards.
/// </summary>
public partial class ParserFuzzTests
{
    private const int Seed = 20261121;
    private static readonly int Cases = 3000 * FuzzScale.Factor;
    private const int Parallel = 8;

    private static readonly string[] Corpus =
    [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "POST /chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n",
        "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
        "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /p2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
    ];

    private static readonly byte[] Interesting = "\r\n :;,\t\0\x7f\x80\xff0-9aZ/\"?#%"u8.ToArray();

    [Fact]
    public void Mutated_requests_get_the_same_well_framed_answers_or_a_clean_close_whole_or_in_pieces()
    {
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            byte[] body = await req.ReadBodyAsync();
            if (req.Url.Contains('c'))
            {
                res.Write(req.Method);
                res.End($" {body.Length}");
            }
            else
            {
                res.End($"{req.Method} {body.Length}");
            }
        });
        var random = new Random(Seed);
        var cases = Enumerable.Range(0, Cases).Select(_ => Mutate(random)).ToArray();
        int answered = 0, next = -1;
        fixture.Run(async () =>
        {
            async Task Worker()
            {
                for (int i = Interlocked.Increment(ref next); i < Cases; i = Interlocked.Increment(ref next))
                {
                    var (pieces, text) = cases[i];
                    string raw = await AnswerAsync(fixture.Port, pieces, i, text);
                    string? problem = CheckFraming(raw);
                    Assert.True(problem is null, $"case {i}: {problem}\nrequest: {Escape(text)}\nresponse: {Escape(raw)}");
                    if (pieces.Length > 1)
                    {
                        string whole = await AnswerAsync(fixture.Port, [[.. pieces.SelectMany(p => p)]], i, text);
                        Assert.True(WithoutDate(whole) == WithoutDate(raw),
                            $"case {i}: whole and in pieces, different answers\nrequest: {Escape(text)}\nin pieces: {Escape(raw)}\nwhole: {Escape(whole)}");
                    }
                    if (raw.Length > 0)
                        Interlocked.Increment(ref answered);
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(Worker)));
        }, TimeSpan.FromSeconds(30 * FuzzScale.Factor));
        Assert.True(answered > Cases / 2, $"only {answered} of {Cases} inputs were answered");
        string after = fixture.Exchange("GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", after);
        Assert.EndsWith("GET 0", after);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }

    /// <summary>What the server answers to <paramref name="pieces"/>; fails the test if it takes more than 10 s.</summary>
    private static async Task<string> AnswerAsync(int port, byte[][] pieces, int index, string text)
    {
        try
        {
            return await SendAsync(port, pieces).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"case {index} hung: {Escape(text)}");
            throw;
        }
    }

    /// <summary>The answer without its Date lines, which may differ from one second to the next.</summary>
    private static string WithoutDate(string raw) => DateLine().Replace(raw, "");

    [System.Text.RegularExpressions.GeneratedRegex("Date: [^\r]*\r\n")]
    private static partial System.Text.RegularExpressions.Regex DateLine();

    private static async Task<string> SendAsync(int port, byte[][] pieces)
    {
        using var socket = await RawClient.ConnectAsync(port);
        try
        {
            foreach (byte[] piece in pieces)
                await socket.SendAsync(piece);
            socket.Shutdown(SocketShutdown.Send); // every case ends: the server answers what it has, then closes
        }
        catch (SocketException)
        {
            // The server refused early and closed: what it sent is still to read.
        }
        return await RawClient.ReadToCloseAsync(socket);
    }

    /// <summary>One to three mutations of a corpus request, sent in one to four pieces.</summary>
    private static (byte[][] Pieces, string Text) Mutate(Random random)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(Corpus[random.Next(Corpus.Length)]));
        for (int n = random.Next(1, 4); n > 0 && bytes.Count > 0; n--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break; // bit flip
                case 1: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.InsertRange(at, random.Next(3) switch { 0 => "\r\n"u8.ToArray(), 1 => "\n"u8.ToArray(), _ => "\r"u8.ToArray() }); break;
                case 4: DuplicateLine(bytes, at); break;
                case 5: bytes[at] = (byte)random.Next(256); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break; // truncation
            }
        }
        byte[] all = bytes.ToArray();
        int count = Math.Max(1, Math.Min(all.Length, random.Next(1, 5)));
        var cuts = Enumerable.Range(0, count - 1).Select(_ => random.Next(1, Math.Max(2, all.Length))).Append(0).Append(all.Length).Distinct().Order().ToArray();
        byte[][] pieces = cuts.Zip(cuts.Skip(1)).Select(c => all[c.First..c.Second]).Where(p => p.Length > 0).ToArray();
        return (pieces, Encoding.Latin1.GetString(all));
    }

    /// <summary>Repeats the line around <paramref name="at"/> (a duplicated header, or request line).</summary>
    private static void DuplicateLine(List<byte> bytes, int at)
    {
        int start = bytes.LastIndexOf((byte)'\n', at) + 1;
        int end = bytes.IndexOf((byte)'\n', at);
        if (end < 0)
            return;
        bytes.InsertRange(start, bytes.GetRange(start, end - start + 1));
    }

    /// <summary>Null when <paramref name="raw"/> is a sequence of well-framed HTTP/1.1 responses; else what is wrong.</summary>
    private static string? CheckFraming(string raw)
    {
        int pos = 0;
        while (pos < raw.Length)
        {
            int headEnd = raw.IndexOf("\r\n\r\n", pos, StringComparison.Ordinal);
            if (headEnd < 0)
                return "a response head without its end";
            string[] lines = raw[pos..headEnd].Split("\r\n");
            if (lines[0].Length < 12 || !lines[0].StartsWith("HTTP/1.1 ", StringComparison.Ordinal)
                || !int.TryParse(lines[0].AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int status)
                || (lines[0].Length > 12 && lines[0][12] != ' '))
                return $"bad status line '{lines[0]}'";
            pos = headEnd + 4;
            if (status < 200)
                continue; // interim: no body
            long? length = null;
            bool chunked = false, closes = false;
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0)
                    return $"bad header line '{line}'";
                string name = line[..colon], value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    length = long.Parse(value, CultureInfo.InvariantCulture);
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    chunked = value.Equals("chunked", StringComparison.OrdinalIgnoreCase);
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                    closes = value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
            if (chunked && length is not null)
                return "both Content-Length and chunked";
            if (chunked)
            {
                while (true)
                {
                    int eol = raw.IndexOf("\r\n", pos, StringComparison.Ordinal);
                    if (eol < 0 || !long.TryParse(raw.AsSpan(pos, eol - pos), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long size))
                        return "a bad or missing chunk size";
                    pos = eol + 2 + (int)size;
                    if (pos + 2 > raw.Length || raw.Substring(pos, 2) != "\r\n")
                        return size == 0 ? "a last chunk without its end" : "a chunk cut short";
                    pos += 2;
                    if (size == 0)
                        break;
                }
            }
            else if (length is { } n)
            {
                if (pos + n > raw.Length)
                    return "a body shorter than its Content-Length";
                pos += (int)n;
            }
            else if (status is not (204 or 304))
            {
                // Only a body streamed to an HTTP/1.0 client (no chunked coding) runs to the close of the connection.
                if (!closes)
                    return "a response without framing and without Connection: close";
                pos = raw.Length;
            }
        }
        return null;
    }

    private static string Escape(string text) => text.Replace("\r", "\\r").Replace("\n", "\\n");
}
