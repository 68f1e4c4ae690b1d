using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The path routes see and the upstream gets: normalised as envoy's normalize_path and merge_slashes (cases from
/// envoy's test/common/http/path_utility_test.cc NormalizeValidPaths and RFC 3986 §5.4), so that a dot segment cannot
/// walk a request past a route meant to guard a prefix.
/// </summary>
public sealed class PathNormalizationTests
{
    [Theory]
    [InlineData("/a/b/../c", "/a/c")]        // envoy: parent dir
    [InlineData("/a/b/./c", "/a/b/c")]       // envoy: current dir
    [InlineData("/a/b/%2E%2E/c", "/a/c")]    // envoy: %2E escape
    [InlineData("/a/b/%2e./c", "/a/c")]
    [InlineData("/%5c%25", "/%5c%25")]       // envoy: reserved characters stay encoded
    [InlineData("/a%2F..%2Fb", "/a%2F..%2Fb")] // an encoded slash is no separator: one segment, not a dot segment
    [InlineData("/a/b/c/./../../g", "/a/g")] // RFC 3986 §5.2.4's example
    [InlineData("/a//b///c", "/a/b/c")]      // envoy: merge_slashes
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/a/.", "/a/")]
    [InlineData("/.well-known/x", "/.well-known/x")]
    [InlineData("/", "/")]
    public void A_path_is_normalised_as_envoy_does(string path, string expected)
    {
        Assert.True(PathNormalizer.TryNormalize(path, out string normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("/%7Euser/%41b%2d%5f%30", "/~user/Ab-_0")] // RFC 3986 §6.2.2.2: unreserved characters decoded
    [InlineData("/a%2fb%3F%25%20", "/a%2fb%3F%25%20")]     // reserved and other characters stay encoded, as written
    [InlineData("/%2561dmin", "/%2561dmin")]               // decoded once: "%25" is '%', not the start of another escape
    [InlineData("/a%2", "/a%2")]                           // an escape cut short is left alone
    [InlineData("/%zz%4", "/%zz%4")]
    public void An_encoded_unreserved_character_is_decoded_and_nothing_else_is(string path, string expected)
    {
        Assert.True(PathNormalizer.TryNormalize(path, out string normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("/..")]
    [InlineData("/a/../..")]
    [InlineData("/a/b/../../../../c")] // envoy clamps this to "/c"; here it is refused
    [InlineData("/%2e%2E/etc/passwd")]
    public void A_path_climbing_above_the_root_is_refused(string path) =>
        Assert.False(PathNormalizer.TryNormalize(path, out _));

    [Fact]
    public void A_path_without_dot_segments_is_returned_as_is_without_allocating()
    {
        string path = "/api/v1/items";
        Assert.True(PathNormalizer.TryNormalize(path, out string normalized));
        Assert.Same(path, normalized);
    }

    [Theory]
    [InlineData("/public/../admin/secret")]
    [InlineData("/public/%2e%2e/admin/secret")]
    [InlineData("/public/..%2Fadmin/../../admin/secret")]
    [InlineData("//admin/secret")]
    [InlineData("/%61dmin/secret")]              // RFC 3986 §6.2.2.2: an encoded unreserved character is that character
    [InlineData("/public/%2E%2E/%61%64%6D%69%6E/secret")]
    public void A_dot_segment_cannot_bypass_a_route_guarding_a_prefix(string path)
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("upstream"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{port}"] }],
            Routes =
            [
                new ProxyRoute { Cluster = "app", PathPrefix = "/admin/", Filters = [new Deny()] },
                new ProxyRoute { Cluster = "app", PathPrefix = "/public/" },
            ],
        });

        Outcome o = kit.Exchange(kit.ToProxy(path));

        Assert.Equal(403, o.Status);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void The_normalised_path_is_forwarded_with_the_query_untouched()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/a/./b/../c//d?x=/../y"));

        Assert.Equal(200, o.Status);
        Assert.Equal("/a/c/d?x=/../y", Assert.Single(kit.Seen).Url);
    }

    [Fact]
    public void The_prefix_rewrite_applies_to_the_normalised_path()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{port}"] }],
            Routes = [new ProxyRoute { Cluster = "app", PathPrefix = "/api/", PrefixRewrite = "/v2/" }],
        });

        kit.Exchange(kit.ToProxy("/other/../api/items"));

        Assert.Equal("/v2/items", Assert.Single(kit.Seen).Url);
    }

    [Fact]
    public void An_absolute_form_target_is_normalised_too()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(ports: port);

        RawClient raw = kit.Raw("GET http://example.com/a/%2E%2E/b?q HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => raw.Closed);

        Assert.StartsWith("HTTP/1.1 200", raw.Text, StringComparison.Ordinal);
        Assert.Equal("/b?q", Assert.Single(kit.Seen).Url);
    }

    [Fact]
    public void A_path_climbing_above_the_root_is_400_and_never_forwarded()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/static/../../etc/passwd"));

        Assert.Equal(400, o.Status);
        Assert.Empty(kit.Seen);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.InvalidPath, kit.Finished[0].Error);
    }

    private sealed class Deny : ProxyFilter
    {
        public override HookResult OnRouteFound(ProxyExchange exchange) => HookResult.Respond(403);
    }
}
