using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public sealed class PathResolverTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly PathResolver _resolver;

    public PathResolverTests()
    {
        _tree.File("index.html");
        _tree.File("a b.txt");
        _tree.File("docs/guide.md");
        _tree.File("caf\u00e9.txt");
        System.IO.File.WriteAllText(Path.Join(_tree.Outside.FullName, "secret.txt"), "secret");
        _resolver = new PathResolver(_tree.Root);
    }

    public void Dispose() => _tree.Dispose();

    private PathResolutionStatus Status(string target) => _resolver.Resolve(target).Status;

    [Theory]
    [InlineData("/.env")]
    [InlineData("/.git/config")]
    [InlineData("/.git/")]
    [InlineData("/docs/.cache/x")]
    [InlineData("/%2Egit/config")]
    [InlineData("/env")] // a symlink to a dotfile
    [InlineData("/git/config")] // through a symlink to a dot-folder
    public void Dotfiles_and_dot_folders_are_not_found_unless_served(string target)
    {
        _tree.File(".env");
        _tree.File(".git/config");
        _tree.File("docs/.cache/x");
        _tree.Link("env", ".env");
        _tree.Link("git", ".git");
        Assert.Equal(PathResolutionStatus.NotFound, Status(target));
        Assert.True(new PathResolver(_tree.Root, serveDotfiles: true).Resolve(target).IsOk);
    }

    [Fact]
    public void A_root_inside_a_dot_folder_is_served_all_the_same()
    {
        string root = _tree.Dir(".config/site");
        _tree.File(".config/site/page.html");
        Assert.True(new PathResolver(root).Resolve("/page.html").IsOk);
    }

    [Fact]
    public void A_file_under_the_root_resolves_to_its_path()
    {
        var result = _resolver.Resolve("/docs/guide.md");
        Assert.True(result.IsOk);
        Assert.Equal(Path.Join(_tree.Root, "docs", "guide.md"), result.FullPath);
        Assert.False(result.IsDirectory);
        Assert.Equal("/docs/guide.md", result.UrlPath);
    }

    [Fact]
    public void The_root_and_directories_resolve_as_directories()
    {
        var root = _resolver.Resolve("/");
        Assert.True(root.IsDirectory);
        Assert.Equal(_tree.Root, root.FullPath);
        var docs = _resolver.Resolve("/docs/");
        Assert.True(docs.IsDirectory);
        Assert.Equal("/docs/", docs.UrlPath);
    }

    [Theory]
    [InlineData("/a%20b.txt")]
    [InlineData("/a%20b.txt?download=1")]
    [InlineData("/a%20b.txt#top")]
    [InlineData("/caf%C3%A9.txt")]
    [InlineData("/caf%c3%a9.txt")]
    [InlineData("/caf\u00e9.txt")]
    [InlineData("//docs//./guide.md")]
    [InlineData("/docs/%2e/guide.md")]
    [InlineData("http://example.com/a%20b.txt")]
    public void Targets_are_decoded_once_and_normalised(string target) => Assert.Equal(PathResolutionStatus.Ok, Status(target));

    [Fact]
    public void Normalising_keeps_a_trailing_slash_and_drops_dot_and_empty_segments() =>
        Assert.Equal("/docs/", _resolver.Resolve("//docs/./").UrlPath);

    [Fact]
    public void Absolute_form_without_a_path_is_the_root() =>
        Assert.Equal(_tree.Root, _resolver.Resolve("http://example.com").FullPath);

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/docs/../../secret.txt")]
    [InlineData("/..")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2E%2E/secret.txt")]
    [InlineData("/.%2e/secret.txt")]
    [InlineData("/docs/..")]
    public void Dot_dot_segments_are_forbidden_however_encoded(string target) =>
        Assert.Equal(PathResolutionStatus.Forbidden, Status(target));

    [Theory]
    [InlineData("/%2e%2e%2fsecret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("/..%5Csecret.txt")]
    [InlineData("/docs%2fguide.md")]
    [InlineData("/docs%2Fguide.md")]
    [InlineData("/..\\secret.txt")]
    public void Encoded_separators_and_backslashes_are_forbidden(string target) =>
        Assert.Equal(PathResolutionStatus.Forbidden, Status(target));

    [Theory]
    [InlineData("/index.html%00.txt")]
    [InlineData("/index.html\0")]
    [InlineData("/%")]
    [InlineData("/%2")]
    [InlineData("/%zz")]
    [InlineData("/%c3")]
    [InlineData("/%ff%fe")]
    [InlineData("/%c0%ae%c0%ae/secret.txt")]
    [InlineData("*")]
    [InlineData("index.html")]
    [InlineData("ftp://example.com/index.html")]
    public void Malformed_targets_are_bad_requests(string target) =>
        Assert.Equal(PathResolutionStatus.BadRequest, Status(target));

    [Theory]
    [InlineData("/missing.txt")]
    [InlineData("/docs/missing/")]
    [InlineData("/index.html/more")]
    [InlineData("/index.html/")]
    [InlineData("/%252e%252e/secret.txt")]
    public void Missing_files_are_not_found(string target) => Assert.Equal(PathResolutionStatus.NotFound, Status(target));

    [Fact]
    public void A_symlink_to_a_directory_outside_the_root_is_forbidden()
    {
        _tree.Link("etc", "/etc");
        Assert.Equal(PathResolutionStatus.Forbidden, Status("/etc/passwd"));
        Assert.Equal(PathResolutionStatus.Forbidden, Status("/etc/"));
    }

    [Fact]
    public void A_relative_symlink_climbing_out_of_the_root_is_forbidden()
    {
        _tree.Link("up", "../secret.txt");
        _tree.Link("docs/up", "../../secret.txt");
        Assert.Equal(PathResolutionStatus.Forbidden, Status("/up"));
        Assert.Equal(PathResolutionStatus.Forbidden, Status("/docs/up"));
    }

    [Fact]
    public void A_symlink_to_a_file_within_the_root_is_served_as_its_target()
    {
        _tree.Link("latest.md", "docs/guide.md");
        var result = _resolver.Resolve("/latest.md");
        Assert.Equal(PathResolutionStatus.Ok, result.Status);
        Assert.Equal(Path.Join(_tree.Root, "docs", "guide.md"), result.FullPath);
    }

    [Fact]
    public void A_symlinked_directory_within_the_root_is_served()
    {
        _tree.Link("manual", "docs");
        Assert.Equal(Path.Join(_tree.Root, "docs", "guide.md"), _resolver.Resolve("/manual/guide.md").FullPath);
    }

    [Fact]
    public void A_symlink_loop_or_a_dangling_link_is_not_found()
    {
        _tree.Link("loop1", "loop2");
        _tree.Link("loop2", "loop1");
        _tree.Link("dangling", "nowhere");
        Assert.Equal(PathResolutionStatus.NotFound, Status("/loop1"));
        Assert.Equal(PathResolutionStatus.NotFound, Status("/dangling"));
    }

    [Fact]
    public void A_root_given_through_a_symlink_is_resolved_once()
    {
        string link = Path.Join(_tree.Outside.FullName, "site");
        Directory.CreateSymbolicLink(link, _tree.Root);
        var resolver = new PathResolver(link);
        Assert.Equal(_tree.Root, resolver.Root);
        Assert.Equal(PathResolutionStatus.Ok, resolver.Resolve("/docs/guide.md").Status);
    }

    [Fact]
    public void A_root_that_is_not_a_directory_is_refused() =>
        Assert.Throws<DirectoryNotFoundException>(() => new PathResolver(Path.Join(_tree.Root, "index.html")));

    [Fact]
    public void Contains_tells_a_sibling_with_a_common_prefix_from_a_child()
    {
        Assert.True(_resolver.Contains(_tree.Root));
        Assert.True(_resolver.Contains(_tree.Root + "/x"));
        Assert.False(_resolver.Contains(_tree.Root + "2/x"));
        Assert.False(_resolver.Contains("/etc"));
    }

    [Fact]
    public void ResolveInside_refuses_an_entry_that_leads_out()
    {
        string link = _tree.Link("out", "/etc");
        Assert.Null(_resolver.ResolveInside(link));
        Assert.Equal(Path.Join(_tree.Root, "index.html"), _resolver.ResolveInside(Path.Join(_tree.Root, "index.html")));
    }
}
