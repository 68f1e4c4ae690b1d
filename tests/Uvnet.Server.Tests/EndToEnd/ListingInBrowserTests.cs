using System.Net;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// <c>uvnet serve</c>'s directory listing as a real browser reads it: headless Chromium loads the page and the
/// links on it, and the tests read the DOM it built. Skipped only where Chromium is not installed
/// (<c>apt-get install chromium</c>; .ci/run installs it).
/// </summary>
public sealed partial class ListingInBrowserTests : IDisposable
{
    // Names a listing must escape: markup characters in the text, and in the link the characters a URL gives a
    // meaning (# starts a fragment, % an escape, a space ends it in places), and one beyond ASCII (UTF-8).
    private const string Markup = "a<b&c>.txt";
    private const string UrlSyntax = "space #hash%.txt";
    private const string Accented = "café.txt";

    private readonly TempTree _tree = new();

    public ListingInBrowserTests()
    {
        _tree.File(Markup, "markup");
        _tree.File(UrlSyntax, "url syntax");
        _tree.File(Accented, "accented");
        _tree.File("sub/inner.txt", "inner");
    }

    [Fact]
    public async Task Chromium_shows_every_entry_directories_first_with_names_as_written()
    {
        using var server = await StartAsync();
        string dom = await Chromium.DumpDomAsync(server.Url("/"));
        Assert.Equal("Index of /", Title(dom));
        // Names as the browser shows them: had the server not escaped one, Chromium would have made markup of it
        // (an element named b&c), and the text would differ.
        Assert.Equal(["sub/", Markup, Accented, UrlSyntax], Rows(dom).Select(row => row.Name));
        Assert.Equal(["-", "6 B", "8 B", "10 B"], Rows(dom).Select(row => row.Size));
        await server.StopGracefullyAsync();
    }

    [Fact]
    public async Task Chromium_follows_each_file_link_to_its_file()
    {
        using var server = await StartAsync();
        var root = server.Url("/");
        var links = Rows(await Chromium.DumpDomAsync(root)).Where(row => !row.Name.EndsWith('/')).ToDictionary(row => row.Name, row => row.Href);
        Assert.Equal("markup", PlainText(await Chromium.DumpDomAsync(new Uri(root, links[Markup]))));
        Assert.Equal("url syntax", PlainText(await Chromium.DumpDomAsync(new Uri(root, links[UrlSyntax]))));
        Assert.Equal("accented", PlainText(await Chromium.DumpDomAsync(new Uri(root, links[Accented]))));
        await server.StopGracefullyAsync();
    }

    [Fact]
    public async Task Chromium_follows_a_directory_link_to_its_listing_whose_parent_link_leads_back()
    {
        using var server = await StartAsync();
        var root = server.Url("/");
        var sub = new Uri(root, Rows(await Chromium.DumpDomAsync(root)).Single(row => row.Name == "sub/").Href);
        string dom = await Chromium.DumpDomAsync(sub);
        Assert.Equal("Index of /sub/", Title(dom));
        Assert.Equal(["../", "inner.txt"], Rows(dom).Select(row => row.Name));
        Assert.Equal("inner", PlainText(await Chromium.DumpDomAsync(new Uri(sub, Rows(dom)[1].Href))));
        Assert.Equal("Index of /", Title(await Chromium.DumpDomAsync(new Uri(sub, Rows(dom)[0].Href))));
        await server.StopGracefullyAsync();
    }

    public void Dispose() => _tree.Dispose();

    private Task<RunningUvnet> StartAsync()
    {
        Assert.SkipWhen(Chromium.Executable is null, "Chromium is not installed (apt-get install chromium)");
        return RunningUvnet.StartAsync("serve", _tree.Root, "--loops", "1", "--quiet");
    }

    /// <summary>The page's title, as the browser decoded it.</summary>
    private static string Title(string dom) => WebUtility.HtmlDecode(TitleElement().Match(dom).Groups[1].Value);

    /// <summary>The listing's rows: each link's text (decoded, as shown), its href (as written), and the size.</summary>
    private static List<(string Name, string Href, string Size)> Rows(string dom) =>
        [.. Row().Matches(dom).Select(m => (WebUtility.HtmlDecode(m.Groups[2].Value), WebUtility.HtmlDecode(m.Groups[1].Value), m.Groups[3].Value))];

    /// <summary>A text file as Chromium shows it: the text of its one <c>pre</c>, less the line end.</summary>
    private static string PlainText(string dom) => WebUtility.HtmlDecode(Pre().Match(dom).Groups[1].Value).TrimEnd('\n');

    [GeneratedRegex("<title>(.*?)</title>")]
    private static partial Regex TitleElement();

    [GeneratedRegex("<tr><td><a href=\"([^\"]*)\">(.*?)</a></td><td(?: class=\"size\")?>([^<]*)</td>")]
    private static partial Regex Row();

    [GeneratedRegex("<pre[^>]*>(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex Pre();
}
