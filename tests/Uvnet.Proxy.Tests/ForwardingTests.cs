using System.Text;
using Uvnet.Http.Client;

namespace Uvnet.Proxy.Tests;

/// <summary>Requests and responses through the proxy to Uvnet's own server: bodies of every framing, the fields a proxy removes and adds.</summary>
public sealed class ForwardingTests
{
    [Fact]
    public void A_GET_reaches_the_upstream_and_its_answer_comes_back()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.SetHeader("X-Up", "1"); res.End("hello " + req.Url); });
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/a?b=c"));

        Assert.Equal(200, o.Status);
        Assert.Equal("hello /a?b=c", o.Text);
        Assert.Equal("1", o.Response!.Headers["x-up"]);
        Assert.Equal("GET", kit.Seen[0].Method);
        Assert.Equal("/a?b=c", kit.Seen[0].Url);
    }

    [Fact]
    public void A_POST_with_a_Content_Length_body_is_forwarded_with_its_length()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ports: kit.StartEcho());

        Outcome o = kit.Exchange(kit.ToProxy("/", "POST"), r => r.End("0123456789"u8));

        Assert.Equal("0123456789", o.Text);
        Assert.Equal("10", kit.Seen[0].Header("content-length"));
        Assert.Null(kit.Seen[0].Header("transfer-encoding"));
    }

    [Fact]
    public void A_chunked_POST_is_forwarded_chunked_and_a_chunked_response_comes_back_whole()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) =>
        {
            req.End += _ =>
            {
                res.Write("a"u8);
                res.Write("b"u8);
                res.End("c"u8);
            };
        });
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/", "POST"), r =>
        {
            r.Write("part1-"u8);
            r.Write("part2"u8);
            r.End();
        });

        Assert.Equal("abc", o.Text);
        Assert.Equal("chunked", kit.Seen[0].Header("transfer-encoding"));
        Assert.Equal("part1-part2", kit.Seen[0].BodyText);
        Assert.Equal("chunked", o.Response!.Headers["transfer-encoding"]);
    }

    [Fact]
    public void A_large_body_streams_both_ways_intact()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ports: kit.StartEcho());
        byte[] body = new byte[1 << 20];
        new Random(7).NextBytes(body);

        Outcome o = kit.Exchange(kit.ToProxy("/", "POST"), r =>
        {
            int sent = 0;
            void Pump()
            {
                while (sent < body.Length)
                {
                    int n = Math.Min(32 * 1024, body.Length - sent);
                    bool more = r.Write(body.AsSpan(sent, n));
                    sent += n;
                    if (!more)
                        return;
                }
                r.End();
            }
            r.Drain += _ => Pump();
            Pump();
        });

        Assert.True(o.Body.ToArray().AsSpan().SequenceEqual(body));
    }

    [Fact]
    public void A_response_whose_head_and_large_body_come_in_one_read_reaches_the_client_whole()
    {
        // The bench's 100 KiB workload: the head and 64 KiB of body in the proxy's first read, written while the
        // downstream connection is corked, backed it up past the high-water mark and paused the upstream for a Drain that
        // never came (the client got 65,415 bytes and waited).
        using var kit = new ProxyKit();
        byte[] body = new byte[100 * 1024];
        new Random(11).NextBytes(body);
        int port = kit.StartCanned((s, _) =>
        {
            byte[] head = Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n");
            s.Write((byte[])[.. head, .. body]);
        });
        kit.StartProxy(ports: port);

        for (int i = 0; i < 2; i++)
        {
            Outcome o = kit.Exchange(kit.ToProxy());

            Assert.Equal(200, o.Status);
            Assert.True(o.Body.ToArray().AsSpan().SequenceEqual(body), $"request {i}: {o.Body.Length} of {body.Length} bytes");
        }
    }

    [Fact]
    public void Hop_by_hop_fields_and_those_Connection_names_are_removed_on_both_legs()
    {
        using var kit = new ProxyKit();
        var heads = new List<string>();
        int port = kit.StartCanned((s, head) =>
        {
            heads.Add(head);
            ProxyKitWrite(s, "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Up-Private\r\nX-Up-Private: secret\r\n" +
                "Keep-Alive: timeout=60\r\nX-Up-Public: ok\r\nContent-Length: 1\r\n\r\nx");
        });
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/", "GET",
            new("Connection", "keep-alive, X-Private"), new("X-Private", "p"), new("Keep-Alive", "timeout=5"),
            new("TE", "trailers"), new("Proxy-Connection", "keep-alive"), new("X-Public", "q")));

        string sent = heads[0].ToLowerInvariant();
        Assert.DoesNotContain("x-private", sent);
        Assert.DoesNotContain("keep-alive: timeout", sent);
        Assert.DoesNotContain("te: trailers", sent);
        Assert.DoesNotContain("proxy-connection", sent);
        Assert.Contains("x-public: q", sent);
        Assert.Null(o.Response!.Headers["x-up-private"]);
        Assert.NotEqual("timeout=60", o.Response.Headers["keep-alive"]); // the proxy's own connection may announce its own
        Assert.Equal("ok", o.Response.Headers["x-up-public"]);
        Assert.Equal("x", o.Text);
    }

    private static void ProxyKitWrite(Uvnet.Net.Socket s, string text) => s.Write(Encoding.Latin1.GetBytes(text));

    [Fact]
    public void X_Forwarded_fields_and_Via_are_added_and_earlier_ones_appended_to()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/", "GET", new("Host", "site.example:8080"), new("X-Forwarded-For", "203.0.113.7"), new("Via", "1.0 edge")));

        Seen seen = kit.Seen[0];
        Assert.Equal("203.0.113.7, 127.0.0.1", seen.Header("x-forwarded-for"));
        Assert.Equal("http", seen.Header("x-forwarded-proto"));
        Assert.Equal("site.example:8080", seen.Header("x-forwarded-host"));
        Assert.Equal("1.0 edge, 1.1 uvnet", seen.Header("via"));
        Assert.Equal("site.example:8080", seen.Header("host")); // kept by default
        Assert.Equal("1.1 uvnet", o.Response!.Headers["via"]);
    }

    [Fact]
    public void A_route_rewrites_Host_and_the_path_prefix()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End(req.Url));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "api", Destinations = [$"127.0.0.1:{port}"] }],
            Routes = [new Routing.ProxyRoute { Cluster = "api", PathPrefix = "/api/", PrefixRewrite = "/v2/", HostRewrite = "internal.api" }],
        });

        Outcome o = kit.Exchange(kit.ToProxy("/api/items?x=1"));

        Assert.Equal("/v2/items?x=1", o.Text);
        Assert.Equal("internal.api", kit.Seen[0].Header("host"));
    }

    [Fact]
    public void Upstream_connections_are_kept_alive_and_reused()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("x"));
        ProxyServer proxy = kit.StartProxy(ports: port);

        for (int i = 0; i < 3; i++)
            Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);

        PoolStats stats = proxy.Clusters[0].Agent.GetStats("127.0.0.1", port);
        Assert.Equal(1, stats.Created);
        Assert.Equal(2, stats.Reused);
    }

    [Fact]
    public void A_HEAD_response_keeps_its_Content_Length_and_has_no_body()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.SetHeader("Content-Length", "5"); res.End(req.Method == "HEAD" ? default : "hello"u8); });
        kit.StartProxy(ports: port);

        Outcome head = kit.Exchange(kit.ToProxy("/", "HEAD"));
        Outcome get = kit.Exchange(kit.ToProxy("/"));

        Assert.Equal("5", head.Response!.Headers["content-length"]);
        Assert.Equal("", head.Text);
        Assert.Equal("hello", get.Text);
    }
}
