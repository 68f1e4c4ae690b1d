using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// One of llhttp's markdown test cases (nodejs/llhttp test/response/*.md, copied unchanged under Llhttp/ with
/// llhttp's MIT licence): its input, decoded as llhttp's test/md-test.ts decodes it, and its expected log
/// translated into <see cref="RecordingHandler"/>'s log.
/// </summary>
internal sealed partial record LlhttpCase(string File, string Name, string Type, string? Pause, bool SkipBody, byte[] Input, string Expected)
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Parsing", "Llhttp");

    /// <summary>Every case of the markdown files in <paramref name="folder"/> (e.g. "response"), in file order.</summary>
    public static IEnumerable<LlhttpCase> Load(string folder)
    {
        foreach (string path in Directory.GetFiles(Path.Combine(s_directory, folder), "*.md").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileNameWithoutExtension(path);
            string heading = "";
            string? meta = null;
            string? http = null;
            string[] lines = System.IO.File.ReadAllLines(path, Encoding.UTF8);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.StartsWith('#'))
                {
                    heading = line.TrimStart('#').Trim();
                }
                else if (line.StartsWith("<!-- meta=", StringComparison.Ordinal))
                {
                    meta = line["<!-- meta=".Length..line.LastIndexOf("-->", StringComparison.Ordinal)];
                }
                else if (line is "```http" or "```log")
                {
                    int end = Array.IndexOf(lines, "```", i + 1);
                    string block = string.Join('\n', lines[(i + 1)..end]);
                    i = end;
                    if (line == "```http")
                    {
                        http = block;
                        continue;
                    }

                    using JsonDocument json = JsonDocument.Parse(meta!);
                    JsonElement root = json.RootElement;
                    yield return new LlhttpCase(
                        file,
                        heading,
                        root.GetProperty("type").GetString()!,
                        root.TryGetProperty("pause", out JsonElement pause) ? pause.GetString() : null,
                        root.TryGetProperty("skipBody", out JsonElement skip) && skip.GetBoolean(),
                        DecodeInput(http!),
                        TranslateLog(block));
                    meta = null;
                    http = null;
                }
            }
        }
    }

    /// <summary>The input as llhttp's test/md-test.ts makes it from the http block.</summary>
    private static byte[] DecodeInput(string block)
    {
        string input = EscapedNewline().Replace(block, "");
        input = AnyNewline().Replace(input, "\r\n");
        input = input.Replace("\\r", "\r", StringComparison.Ordinal)
            .Replace("\\n", "\n", StringComparison.Ordinal)
            .Replace("\\t", "\t", StringComparison.Ordinal)
            .Replace("\\f", "\f", StringComparison.Ordinal);
        input = HexEscape().Replace(input, m => ((char)(int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0xFFFF)).ToString());
        input = OctalEscape().Replace(input, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
        return Encoding.UTF8.GetBytes(input);
    }

    /// <summary>
    /// llhttp's log in <see cref="RecordingHandler"/>'s terms: the callbacks this parser has (message begin, status,
    /// fields, headers complete, body, chunks, message complete) with consecutive pieces of a span joined, and how it
    /// stopped; the callbacks it lacks (protocol, version, the "complete" of each span, chunk extensions, reset,
    /// pause) left out. An empty status span is left out too: this parser does not report an empty reason.
    /// </summary>
    private static string TranslateLog(string block)
    {
        var log = new List<string>();
        string? lastSpan = null;
        foreach (string raw in block.Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\f", "\f", StringComparison.Ordinal).Split('\n'))
        {
            Match line = LogLine().Match(raw);
            Assert.True(line.Success, $"unexpected llhttp log line: {raw}");
            string offset = line.Groups[1].Value;
            string what = line.Groups[2].Value;
            Match span = SpanLine().Match(what);
            string? kind = span.Success ? SpanKind(span.Groups[1].Value) : null;
            if (span.Success)
            {
                string text = span.Groups[2].Value switch
                {
                    "lf" => "\n",
                    "cr" => "\r",
                    var quoted => quoted[1..^1],
                };
                if (kind is null || (kind == "status" && text.Length == 0))
                {
                    continue;
                }

                string escaped = RecordingHandler.Escape(Encoding.UTF8.GetBytes(text));
                if (lastSpan == kind)
                {
                    log[^1] += escaped;
                }
                else
                {
                    log.Add($"{kind}:{escaped}");
                }

                lastSpan = kind;
                continue;
            }

            string? translated = what switch
            {
                "message begin" => "begin",
                "message complete" => "complete",
                "chunk complete" => "chunk-complete",
                _ when what.StartsWith("chunk header len=", StringComparison.Ordinal) => $"chunk {what["chunk header len=".Length..]}",
                _ when HeadersLine().Match(what) is { Success: true } h =>
                    $"headers {h.Groups[1].Value} {h.Groups[2].Value}.{h.Groups[3].Value} flags={(HttpParserFlags)Convert.ToUInt16(h.Groups[4].Value, 16)} cl={h.Groups[5].Value}",
                _ when ErrorLine().Match(what) is { Success: true } e => (HttpParserError)int.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture) == HttpParserError.PausedUpgrade
                    ? $"upgrade@{offset}"
                    : $"error:{(HttpParserError)int.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture)}@{offset}",
                _ => null,
            };
            if (translated is not null)
            {
                log.Add(translated);
                lastSpan = null;
            }
        }

        return string.Join('\n', log);
    }

    private static string? SpanKind(string llhttpKind) => llhttpKind switch
    {
        "status" => "status",
        "header_field" => "field",
        "header_value" => "value",
        "body" => "body",
        _ => null,
    };

    [GeneratedRegex(@"\\(\r\n|\r|\n)")]
    private static partial Regex EscapedNewline();

    [GeneratedRegex(@"\r\n|\r|\n")]
    private static partial Regex AnyNewline();

    [GeneratedRegex(@"\\x([0-9a-fA-F]+)")]
    private static partial Regex HexEscape();

    [GeneratedRegex(@"\\([0-7]{1,3})")]
    private static partial Regex OctalEscape();

    [GeneratedRegex(@"^off=(\d+|NULL) (.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"^len=\d+ span\[([a-z_.]+)\]=(.*)$")]
    private static partial Regex SpanLine();

    [GeneratedRegex(@"^headers complete status=(\d+) v=(\d+)/(\d+) flags=([0-9a-f]+) content_length=(\d+)$")]
    private static partial Regex HeadersLine();

    [GeneratedRegex(@"^error code=(\d+) reason=")]
    private static partial Regex ErrorLine();
}
