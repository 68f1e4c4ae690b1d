using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public class ContentTypesTests
{
    [Theory]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("INDEX.HTM", "text/html; charset=utf-8")]
    [InlineData("site.css", "text/css; charset=utf-8")]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("module.mjs", "text/javascript; charset=utf-8")]
    [InlineData("data.json", "application/json; charset=utf-8")]
    [InlineData("app.js.map", "application/json; charset=utf-8")]
    [InlineData("notes.txt", "text/plain; charset=utf-8")]
    [InlineData("README.md", "text/markdown; charset=utf-8")]
    [InlineData("feed.xml", "application/xml; charset=utf-8")]
    [InlineData("table.csv", "text/csv; charset=utf-8")]
    [InlineData("logo.svg", "image/svg+xml; charset=utf-8")]
    [InlineData("photo.png", "image/png")]
    [InlineData("photo.jpg", "image/jpeg")]
    [InlineData("photo.JPEG", "image/jpeg")]
    [InlineData("anim.gif", "image/gif")]
    [InlineData("photo.webp", "image/webp")]
    [InlineData("photo.avif", "image/avif")]
    [InlineData("favicon.ico", "image/x-icon")]
    [InlineData("font.woff", "font/woff")]
    [InlineData("font.woff2", "font/woff2")]
    [InlineData("font.ttf", "font/ttf")]
    [InlineData("font.otf", "font/otf")]
    [InlineData("app.wasm", "application/wasm")]
    [InlineData("paper.pdf", "application/pdf")]
    [InlineData("bundle.zip", "application/zip")]
    [InlineData("bundle.tar.gz", "application/gzip")]
    [InlineData("bundle.tar", "application/x-tar")]
    [InlineData("clip.mp4", "video/mp4")]
    [InlineData("clip.webm", "video/webm")]
    [InlineData("song.mp3", "audio/mpeg")]
    [InlineData("song.ogg", "audio/ogg")]
    [InlineData("song.wav", "audio/wav")]
    public void Known_extensions_get_their_type(string name, string type) => Assert.Equal(type, ContentTypes.ForPath(name));

    [Theory]
    [InlineData("Makefile")]
    [InlineData("archive.unknownext")]
    [InlineData("trailing.")]
    [InlineData("/dir.d/file")]
    public void Anything_else_is_an_octet_stream(string name) => Assert.Equal("application/octet-stream", ContentTypes.ForPath(name));

    [Fact]
    public void Every_text_type_names_its_charset()
    {
        foreach (string extension in new[] { "html", "css", "js", "json", "txt", "md", "xml", "svg", "csv" })
            Assert.EndsWith("; charset=utf-8", ContentTypes.ForExtension(extension));
        Assert.DoesNotContain("charset", ContentTypes.ForExtension("png"));
    }
}
