using System.Globalization;
using System.Text.RegularExpressions;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// llhttp's response test suite (nodejs/llhttp test/response/*.md, every case of its strict "response" type),
/// ported: each case fed whole, byte by byte and in random splits, with llhttp's pauses and skipBody, must give
/// llhttp's log (see <see cref="LlhttpCase"/>), but for the deliberate differences listed here, which must differ.
/// </summary>
/// <remarks>
/// An error's offset is this parser's when llhttp's is the next byte: llhttp reports some errors after the byte
/// that caused them (where its grammar consumed the byte before failing), this parser always at that byte.
/// </remarks>
public partial class LlhttpResponseCaseTests
{
    private static readonly Dictionary<string, LlhttpCase> s_cases = LlhttpCase.Load("response").ToDictionary(c => $"{c.File}: {c.Name}");

    /// <summary>Where this parser deliberately differs from llhttp's strict mode, and why.</summary>
    private static readonly Dictionary<string, string> s_differences = new()
    {
        ["sample: RTSP response"] = "RTSP/ is not HTTP: InvalidConstant (an HTTP client's parser)",
        ["sample: ICE response"] = "ICE/ is not HTTP: InvalidConstant (an HTTP client's parser)",
        ["sample: HTTP version 0.9"] = "HTTP/0.9 written as a version is UnsupportedVersion, as in the request parser",
        ["invalid: Invalid HTTP version"] = "HTTP/5.6 is UnsupportedVersion (a well-formed version other than 1.x), where llhttp says InvalidVersion",
        ["invalid: CR before response and tab after HTTP version"] = "a bare CR before the status line is an error at once (Strict), as before a request line",
        ["sample: Spaces in header name"] = "the name's piece before the space is reported (pieces are reported as they arrive) before the error",
        ["connection: Proxy-Connection"] = "Proxy-Connection is not the Connection field (RFC 9110 §7.6.1); llhttp reads it as one",
        ["transfer-encoding: `chunked` before other transfer-encoding"] = "chunked followed by another coding is InvalidTransferEncoding: a parser could frame it chunked, llhttp reads it to the close",
        ["transfer-encoding: multiple transfer-encoding where chunked is not the last one"] = "as the case above, across two fields",
    };

    public static TheoryData<string> StrictCases() => [.. s_cases.Values.Where(c => c.Type == "response").Select(c => $"{c.File}: {c.Name}")];

    [Fact]
    public void LoadsEveryCaseOfTheSuite()
    {
        // 85 cases; the 9 others test llhttp's lenient modes and its C API's llhttp_finish return codes, which this
        // parser does not have (Finish's own rules are pinned in ResponseLifecycleTests).
        Assert.Equal(85, s_cases.Count);
        Assert.Equal(76, StrictCases().Count);
        Assert.All(s_differences.Keys, name => Assert.Contains(name, s_cases.Keys));
    }

    [Theory]
    [MemberData(nameof(StrictCases))]
    public void AgreesWithLlhttpWholeByteByByteAndInRandomSplits(string name)
    {
        LlhttpCase test = s_cases[name];
        string whole = Run(test, [int.MaxValue]);
        Assert.Equal(whole, Run(test, [1]));
        for (int seed = 1; seed <= 5; seed++)
        {
            Assert.Equal(whole, Run(test, ParserRun.RandomSizes(test.Input.Length, seed)));
        }

        for (int at = 1; at < test.Input.Length; at++)
        {
            Assert.Equal(whole, Run(test, [at, int.MaxValue]));
        }

        string expected = ErrorOneByteLater(test.Expected, whole);
        if (s_differences.ContainsKey(name))
        {
            Assert.NotEqual(expected, whole);
        }
        else
        {
            Assert.Equal(expected, whole);
        }
    }

    /// <summary>llhttp's log with its error offset made <paramref name="actual"/>'s where llhttp's is one byte later.</summary>
    private static string ErrorOneByteLater(string expected, string actual)
    {
        Match theirs = ErrorAt().Match(expected);
        Match ours = ErrorAt().Match(actual);
        return theirs.Success && ours.Success && theirs.Groups[1].Value == ours.Groups[1].Value
            && long.Parse(theirs.Groups[2].Value, CultureInfo.InvariantCulture) == long.Parse(ours.Groups[2].Value, CultureInfo.InvariantCulture) + 1
            ? expected[..theirs.Groups[2].Index] + ours.Groups[2].Value
            : expected;
    }

    private static string Run(LlhttpCase test, IReadOnlyList<int> sizes)
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser)
        {
            PauseIn = PauseHook(test.Pause),
            OnHeadersCompleteReturns = test.SkipBody ? HeadersCompleteAction.SkipBody : HeadersCompleteAction.Continue,
        };

        // llhttp's harness never calls llhttp_finish for these cases, so neither does this one.
        string log = ParserRun.Feed(parser, ref handler, test.Input, sizes, finish: false);
        return ConnectionVerdict().Replace(log, "");
    }

    /// <summary>The callback of <see cref="RecordingHandler"/> that llhttp's pause case pauses in, if it has one.</summary>
    private static string? PauseHook(string? llhttpCallback) => llhttpCallback switch
    {
        "on_message_begin" => "begin",
        "on_status_complete" => "status",
        "on_header_field_complete" => "field",
        "on_header_value_complete" => "value",
        "on_headers_complete" => "headers",
        "on_chunk_header" => "chunk",
        "on_chunk_complete" => "chunk-complete",
        "on_message_complete" => "complete",
        _ => null, // on_version_complete, the chunk extension callbacks: this parser has no such callback
    };

    [GeneratedRegex(@"error:(\w+)@(\d+)$")]
    private static partial Regex ErrorAt();

    // llhttp's log does not say what RecordingHandler adds to headers complete.
    [GeneratedRegex(" keepalive=(True|False) upgrade=(True|False)")]
    private static partial Regex ConnectionVerdict();
}
