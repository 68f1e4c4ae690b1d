using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>A response's header lines are copied from the server's cache only when they are the very strings rendered before.</summary>
public class FieldLineCacheTests
{
    private static string Render(FieldLineCache cache, params (string Name, string Value)[] fields)
    {
        var sink = new OutputBuffer();
        for (int i = 0; i < fields.Length; i++)
            cache.WriteField(sink, i, fields[i].Name, fields[i].Value);
        string text = Encoding.Latin1.GetString(sink.Written);
        sink.Release();
        return text;
    }

    [Fact]
    public void The_same_strings_render_the_same_line_again()
    {
        var cache = new FieldLineCache();
        Assert.Equal("Content-Type: text/plain\r\n", Render(cache, ("Content-Type", "text/plain")));
        Assert.Equal("Content-Type: text/plain\r\n", Render(cache, ("Content-Type", "text/plain")));
    }

    [Fact]
    public void A_new_value_in_a_slot_is_rendered_not_the_line_cached_there()
    {
        var cache = new FieldLineCache();
        string name = "X-Count";
        for (int i = 0; i < 3; i++)
            Assert.Equal($"X-Count: {i}\r\nX-Other: v\r\n", Render(cache, (name, i.ToString()), ("X-Other", "v")));
        // The fields swap places: each slot now holds another field.
        Assert.Equal("X-Other: v\r\nX-Count: 2\r\n", Render(cache, ("X-Other", "v"), (name, "2")));
    }

    [Fact]
    public void Equal_text_in_another_string_and_long_lines_and_fields_past_the_slots_render_right()
    {
        var cache = new FieldLineCache();
        string longValue = new('v', 300);
        var fields = Enumerable.Range(0, 12).Select(i => ($"X-F{i}", i == 3 ? longValue : $"value {i}")).ToArray();
        string expected = string.Concat(fields.Select(f => $"{f.Item1}: {f.Item2}\r\n"));
        Assert.Equal(expected, Render(cache, fields));
        Assert.Equal(expected, Render(cache, fields));
        // A name equal in text but another object, with another value: not mistaken for the cached line.
        Assert.Equal("X-F0: other\r\n", Render(cache, (new string("X-F0".AsSpan()), "other")));
    }
}

/// <summary>The server renders changing and repeated header values right from one response to the next.</summary>
public class FieldLineCacheServerTests
{
    [Fact]
    public void Header_values_that_change_per_request_are_sent_as_set()
    {
        int count = 0;
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.SetHeader("X-Count", (count++).ToString());
            res.End("ok"u8);
        });
        string text = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3))));
            return await RawClient.ReadUntilAsync(socket, t => RawClient.Count(t, "ok") == 3);
        });
        for (int i = 0; i < 3; i++)
            Assert.Contains($"Content-Type: text/plain\r\nX-Count: {i}\r\n", text, StringComparison.Ordinal);
    }
}
