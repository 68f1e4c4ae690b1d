using System.Text;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

/// <summary>Several ranges of a file as one multipart/byteranges 206 (RFC 9110 §14.6).</summary>
public sealed class MultipartRangesTests : IDisposable
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz";
    private readonly TempTree _tree = new();

    public MultipartRangesTests()
    {
        _tree.File("abc.txt", Alphabet);
        File.SetLastWriteTimeUtc(Path.Join(_tree.Root, "abc.txt"), DateTime.UtcNow.AddDays(-1));
    }

    public void Dispose() => _tree.Dispose();

    private StaticFileResponse Get(string range, string method = "GET") =>
        new StaticFileHandler(_tree.Root).Handle(StaticFileRequest.From(method, "/abc.txt", name => name == "range" ? range : null), DateTimeOffset.UtcNow);

    /// <summary>The parts of a multipart/byteranges body, as (Content-Type, Content-Range, bytes), checking its framing.</summary>
    internal static List<(string Type, string Range, string Body)> Parts(string contentType, string body)
    {
        Assert.StartsWith("multipart/byteranges; boundary=", contentType, StringComparison.Ordinal);
        string boundary = contentType["multipart/byteranges; boundary=".Length..];
        Assert.EndsWith($"\r\n--{boundary}--\r\n", body, StringComparison.Ordinal);
        var parts = new List<(string, string, string)>();
        foreach (string part in body[..^$"\r\n--{boundary}--\r\n".Length].Split($"--{boundary}\r\n").Skip(1))
        {
            string[] headAndBody = part.Split("\r\n\r\n", 2);
            var fields = headAndBody[0].Split("\r\n").Select(l => l.Split(": ", 2)).ToDictionary(f => f[0], f => f[1]);
            parts.Add((fields["Content-Type"], fields["Content-Range"], headAndBody[1].TrimEnd('\r', '\n')));
        }
        return parts;
    }

    [Fact]
    public void Two_ranges_get_206_multipart_with_each_part_typed_and_ranged()
    {
        var response = Get("bytes=0-2, 23-");
        Assert.Equal(206, response.StatusCode);
        Assert.Null(response.Header("content-range"));
        string body = Encoding.ASCII.GetString(response.Body.Span);
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("content-length"));
        Assert.Equal(
            [("text/plain; charset=utf-8", "bytes 0-2/26", "abc"), ("text/plain; charset=utf-8", "bytes 23-25/26", "xyz")],
            Parts(response.Header("content-type")!, body));
        Assert.NotNull(response.Header("etag"));
    }

    [Fact]
    public void Head_with_several_ranges_gets_the_whole_files_head_as_only_get_has_ranges()
    {
        var head = Get("bytes=0-2, 23-", "HEAD");
        Assert.Equal((200, false, "26"), (head.StatusCode, head.SendBody, head.Header("content-length")));
    }

    [Fact]
    public void Ranges_adding_up_past_the_cap_get_the_whole_file_by_sendfile()
    {
        string big = _tree.File("big.bin", new string('x', (int)MultipartByteRanges.MaxBytes + 10));
        var response = new StaticFileHandler(_tree.Root).Handle(StaticFileRequest.From("GET", "/big.bin",
            name => name == "range" ? $"bytes=0-9,10-{MultipartByteRanges.MaxBytes}" : null), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(new FileBody(big, 0, MultipartByteRanges.MaxBytes + 10), response.File);
    }
}
