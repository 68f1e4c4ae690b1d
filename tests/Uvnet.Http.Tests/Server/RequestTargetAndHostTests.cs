using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// Host and the request line (RFC 9112 §3, RFC 9110 §2.5 and §7.2) and the request details found on the wire:
/// the target's path in any form, trailers kept apart from headers, Expect from HTTP/1.0, CONNECT.
/// </summary>
public class RequestTargetAndHostTests
{
    private static void Ok(IncomingMessage req, ServerResponse res) => res.End("ok");

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: y\r\nhost: evil\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:80:81\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a%2\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: \"a\"\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    public void A_repeated_or_malformed_host_gets_400_and_a_close(string request) => AssertRefusedWith400AndClose(request);

    /// <summary>Sends <paramref name="request"/> and a request behind it: one 400 that closes, no handler run.</summary>
    private static void AssertRefusedWith400AndClose(string request)
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        string raw = fixture.Exchange(request + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.Equal(0, handled);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("example.com:8080")]
    [InlineData("127.0.0.1:1")]
    [InlineData("[::1]:443")]
    [InlineData("[2001:db8::7]")]
    [InlineData("[v1.fe:80]")]
    [InlineData("a-b_c~d.%41!$&'()*+,;=")]
    [InlineData("host:")]
    [InlineData("")]
    public void A_well_formed_host_is_served(string host)
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Headers["host"] ?? "none"));
        string raw = fixture.Exchange($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\n" + host, raw);
    }

    [Fact]
    public void A_higher_http1_minor_version_is_served_as_http11()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(req.HttpVersion));
        string raw = fixture.Exchange("GET / HTTP/1.2\r\nHost: a\r\n\r\nGET / HTTP/1.9\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK\r\n"));
        Assert.DoesNotContain("505", raw);
        Assert.EndsWith("1.1", raw);
    }

    [Fact]
    public void The_asterisk_form_with_another_method_than_options_gets_400_and_with_options_is_served()
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(req.Path); });
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", fixture.Exchange("GET * HTTP/1.1\r\nHost: a\r\n\r\n"));
        Assert.Equal(0, handled);
        string options = fixture.Exchange("OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", options);
        Assert.EndsWith("\r\n\r\n*", options);
    }

    [Fact]
    public void A_method_longer_than_the_limit_gets_501_without_the_rest_of_the_request_line()
    {
        using var fixture = ServerFixture.Start(Ok);
        // The client sends only the method and waits: the server must not wait for the request line's end.
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(new string('M', 33)));
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.StartsWith("HTTP/1.1 501 Not Implemented\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
    }

    [Fact]
    public void Gzip_before_chunked_gets_501()
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 501 Not Implemented\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, handled);
    }

    [Theory]
    [InlineData("/plaintext?x=1&y", "/plaintext", "x=1&y")]
    [InlineData("http://a.example/plaintext", "/plaintext", "")]
    [InlineData("http://a.example:8080/p/q?r=s", "/p/q", "r=s")]
    [InlineData("https://[::1]:8443?k", "/", "k")]
    [InlineData("http://a.example", "/", "")]
    [InlineData("/", "/", "")]
    [InlineData("/a#f", "/a", "")]
    [InlineData("/a?x=1#f", "/a", "x=1")]
    [InlineData("/a#f?x", "/a", "")]
    [InlineData("http://a.example/p#f", "/p", "")]
    [InlineData("/#", "/", "")]
    public void Path_and_query_are_parsed_from_the_target_in_any_form_without_its_fragment(string target, string path, string query)
    {
        // A request-target has no fragment (RFC 9112 §3.2), but the parser lets '#' through as llhttp does: it must
        // not become part of the path a handler routes by.
        using var fixture = ServerFixture.Start((req, res) =>
            res.End($"{req.Path}|{Encoding.ASCII.GetString(req.PathBytes)}|{req.Query}|{req.Url}"));
        string raw = fixture.Exchange($"GET {target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.EndsWith($"\r\n\r\n{path}|{path}|{query}|{target}", raw);
    }

    [Theory]
    [InlineData("http://")]
    [InlineData("https://?q")]
    [InlineData("http://:80/x")]
    [InlineData("http://u@a.example/x")]
    [InlineData("http://[::1/x")]
    [InlineData("http://a.example:80:80/x")]
    [InlineData("http://a.example:x/x")]
    public void An_absolute_form_target_whose_authority_is_not_host_and_port_gets_400_and_a_close(string target)
    {
        // RFC 9110 §4.2.1: an http URI with an empty host is invalid; §4.2.4: userinfo is an error; the Host field's
        // own grammar applies to the authority that replaces it (RFC 9112 §3.2.2).
        AssertRefusedWith400AndClose($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    [Fact]
    public void A_path_alone_is_the_url_string_itself()
    {
        bool same = false;
        using var fixture = ServerFixture.Start((req, res) => { same = ReferenceEquals(req.Path, req.Url); res.End(); });
        fixture.Exchange("GET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.True(same);
    }

    [Fact]
    public void Trailers_are_kept_apart_from_the_headers()
    {
        string? seen = null;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            byte[] body = await req.ReadBodyAsync();
            seen = $"{Encoding.ASCII.GetString(body)}|{req.Headers["host"]}|{req.Headers.Count}|{req.Trailers["host"]}|{req.Trailers["x-checksum"]}|{req.Trailers.Count}";
            res.End();
        });
        fixture.Exchange("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "5\r\nhello\r\n0\r\nHost: evil\r\nX-Checksum: 42\r\n\r\n");
        Assert.Equal("hello|h|3|evil|42|2", seen);
    }

    [Fact]
    public void A_request_without_trailers_has_none_even_after_one_that_had_some()
    {
        var seen = new List<int>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            await req.ReadBodyAsync();
            seen.Add(req.Trailers.Count);
            res.End();
        });
        fixture.Exchange("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n\r\n"
            + "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
        Assert.Equal([1, 0, 0], seen);
    }

    [Fact]
    public void Trailers_past_the_field_limit_are_refused()
    {
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            await Record.ExceptionAsync(req.ReadBodyAsync);
            if (!res.WritableEnded)
                res.End("unexpected");
        }, new HttpServerOptions { ParserLimits = new() { MaxHeaderCount = 2 } });
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", raw);
        Assert.DoesNotContain("unexpected", raw);
    }

    [Fact]
    public void Expect_100_continue_from_an_http10_client_is_ignored()
    {
        int checks = 0;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            res.WriteContinue(); // asked for by the handler too: still nothing for HTTP/1.0
            res.End($"got {(await req.ReadBodyAsync()).Length}");
        });
        fixture.Server.CheckContinue += (req, res) => { checks++; res.End(); };
        string raw = fixture.Exchange("POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.DoesNotContain(" 100 ", raw);
        Assert.EndsWith("got 5", raw);
        Assert.Equal(0, checks);
    }

    [Fact]
    public void Connect_goes_to_the_connect_event_with_the_socket_and_the_bytes_after_the_head_never_to_request_or_upgrade()
    {
        int requests = 0, upgrades = 0;
        string? authority = null;
        byte[]? head = null;
        using var fixture = ServerFixture.Start((req, res) => { requests++; res.End(); });
        fixture.Server.Upgrade += (_, socket, _) => { upgrades++; socket.Destroy(); };
        fixture.Server.Connect += (req, socket, rest) =>
        {
            authority = req.Url;
            head = rest;
            socket.Write("HTTP/1.1 200 Connection Established\r\n\r\n");
            socket.Write(rest);
            socket.Data += (s, data) => s.End(data.ToArray());
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nearly"));
            string first = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("early"));
            await socket.SendAsync("late"u8.ToArray());
            return first + await RawClient.ReadToCloseAsync(socket);
        });
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\nearlylate", raw);
        Assert.Equal("example.com:443", authority);
        Assert.Equal("early"u8.ToArray(), head);
        Assert.Equal((0, 0), (requests, upgrades));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("example.com:")]
    [InlineData("example.com:0")]
    [InlineData("example.com:65536")]
    [InlineData("example.com:99999999999")]
    [InlineData("u@example.com:443")]
    [InlineData("example.com:443/x")]
    [InlineData("example.com:443?x")]
    [InlineData("example.com:443#x")]
    [InlineData("[::1:443")]
    [InlineData(":443")]
    [InlineData("*")]
    [InlineData("http://example.com:443")]
    public void A_connect_target_that_is_not_host_and_port_gets_400_and_never_reaches_the_connect_handler(string target)
    {
        // RFC 9112 §3.2.3: CONNECT's target is uri-host ":" port; RFC 9110 §9.3.6: a server MUST reject an empty or
        // invalid port, typically with 400.
        int connects = 0;
        using var fixture = ServerFixture.Start(Ok);
        fixture.Server.Connect += (_, socket, _) => { connects++; socket.Destroy(); };
        string raw = fixture.Exchange($"CONNECT {target} HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, connects);
    }

    [Theory]
    [InlineData("[::1]:443")]
    [InlineData("127.0.0.1:1")]
    [InlineData("example.com:65535")]
    public void A_connect_target_of_host_and_port_reaches_the_connect_handler(string target)
    {
        string? authority = null;
        using var fixture = ServerFixture.Start(Ok);
        fixture.Server.Connect += (req, socket, _) => { authority = req.Url; socket.Destroy(); };
        fixture.Exchange($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
        Assert.Equal(target, authority);
    }

    [Fact]
    public void Connect_without_a_connect_handler_gets_501_and_a_close_and_never_reaches_the_request_handler()
    {
        int requests = 0, upgrades = 0;
        using var fixture = ServerFixture.Start((req, res) => { requests++; res.End(); });
        fixture.Server.Upgrade += (_, socket, _) => { upgrades++; socket.Destroy(); };
        // The client does not end its side: the server must close by itself, without parsing the tunnel's bytes.
        string raw = fixture.Exchange("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 501 Not Implemented\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.Equal((0, 0), (requests, upgrades));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }
}
