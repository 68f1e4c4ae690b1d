using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public sealed class DirectoryListingTests : IDisposable
{
    private static readonly DateTimeOffset s_date = new(2024, 3, 1, 12, 30, 0, TimeSpan.Zero);
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Names_are_html_escaped_in_text_and_percent_encoded_in_links()
    {
        string html = DirectoryListing.Render("/", [new ListingEntry("<script>&\"x\".txt", false, 3, s_date)], isRoot: true);
        Assert.Contains("<a href=\"%3Cscript%3E%26%22x%22.txt\">&lt;script&gt;&amp;&quot;x&quot;.txt</a>", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public void A_name_that_looks_like_a_url_stays_relative()
    {
        string html = DirectoryListing.Render("/", [new ListingEntry("javascript:alert(1)", false, 1, s_date)], isRoot: true);
        Assert.Contains("href=\"javascript%3Aalert%281%29\"", html);
    }

    [Fact]
    public void The_title_escapes_the_path() =>
        Assert.Contains("<title>Index of /&lt;b&gt;/</title>", DirectoryListing.Render("/<b>/", [], isRoot: false));

    [Fact]
    public void Directories_come_first_with_a_trailing_slash_then_files_by_name()
    {
        string html = DirectoryListing.Render("/x/",
        [
            new ListingEntry("b.txt", false, 2048, s_date),
            new ListingEntry("Zeta", true, 0, s_date),
            new ListingEntry("a.txt", false, 10, s_date),
            new ListingEntry("alpha", true, 0, s_date),
        ], isRoot: false);
        var found = new[] { "href=\"../\"", "href=\"alpha/\">alpha/</a>", "href=\"Zeta/\">Zeta/</a>", "href=\"a.txt\"", "href=\"b.txt\"" }.Select(s => html.IndexOf(s, StringComparison.Ordinal)).ToArray();
        Assert.DoesNotContain(-1, found);
        Assert.Equal(found.Order(), found);
        Assert.Contains("<td class=\"size\">2 KiB</td><td>2024-03-01 12:30</td>", html);
        Assert.Contains("<td class=\"size\">10 B</td>", html);
    }

    [Fact]
    public void The_root_has_no_parent_link() =>
        Assert.DoesNotContain("href=\"../\"", DirectoryListing.Render("/", [], isRoot: true));

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024, "5 MiB")]
    [InlineData(3L * 1024 * 1024 * 1024 * 1024, "3 TiB")]
    public void Sizes_read_as_a_person_would(long bytes, string text) => Assert.Equal(text, DirectoryListing.FormatSize(bytes));

    [Fact]
    public void Reading_a_directory_keeps_links_within_the_root_and_drops_those_leading_out()
    {
        _tree.File("<script>&\"x\".txt", "abc");
        _tree.Dir("sub");
        _tree.Link("inside", "sub");
        _tree.Link("outside", "/etc");
        _tree.Link("dangling", "nowhere");
        var entries = DirectoryListing.Read(_tree.Root, new PathResolver(_tree.Root)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["<script>&\"x\".txt", "inside", "sub"], entries.Select(e => e.Name));
        Assert.True(entries.Single(e => e.Name == "inside").IsDirectory);
        Assert.Equal(3, entries.Single(e => e.Name.StartsWith('<')).Length);
    }

    [Fact]
    public void Dotfiles_dot_folders_and_links_to_them_are_listed_only_when_served()
    {
        _tree.File("page.html", "p");
        _tree.File(".env", "KEY=1");
        _tree.File(".git/config", "[core]");
        _tree.Link("env", ".env");
        static List<string> Names(IReadOnlyList<ListingEntry> entries) => [.. entries.Select(e => e.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(["page.html"], Names(DirectoryListing.Read(_tree.Root, new PathResolver(_tree.Root))));
        Assert.Equal([".env", ".git", "env", "page.html"], Names(DirectoryListing.Read(_tree.Root, new PathResolver(_tree.Root, serveDotfiles: true))));
    }
}
