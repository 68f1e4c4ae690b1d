using System.Text;
using Uvnet.Http;
using Uvnet.Http.Client;

namespace Uvnet.Tls.Tests;

/// <summary>The HTTP client over TLS (Node's test-https-agent-*, test-https-strict): requests, pooling per TLS settings, verification.</summary>
[Collection(nameof(Sequential))]
public sealed class HttpsClientTests
{
    private static readonly TlsClientOptions s_trustTestCa = new() { CaCertificates = TestCertificates.CaCollection, AlpnProtocols = ["http/1.1"] };

    private static string Get(Loop loop, Agent agent, int port, string path, TlsClientOptions tls, out Exception? error)
    {
        string body = "";
        bool done = false;
        Exception? failure = null;
        var request = Uvnet.Http.Http.Get(loop, new RequestOptions { Host = "localhost", Port = port, Path = path, Tls = tls, Agent = agent }, res =>
        {
            res.Data += (_, d) => body += Encoding.UTF8.GetString(d);
            res.End += _ => done = true;
        });
        request.Error += (_, e) => { failure = e; done = true; };
        LoopDriver.RunUntil(loop, () => done);
        error = failure;
        return body;
    }

    [Fact]
    public void Https_requests_verify_the_server_and_reuse_one_pooled_TLS_connection()
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) => res.End("secure " + req.Url));
        server.Listen(0, "127.0.0.1");
        var agent = new Agent(loop, new AgentOptions { KeepAlive = true });
        Assert.Equal("secure /one", Get(loop, agent, server.Port, "/one", s_trustTestCa, out var e1));
        Assert.Null(e1);
        Assert.Equal("secure /two", Get(loop, agent, server.Port, "/two", s_trustTestCa, out var e2));
        Assert.Null(e2);
        PoolStats stats = agent.GetStats("localhost", server.Port, s_trustTestCa);
        Assert.Equal(1, stats.Created);
        Assert.Equal(1, stats.Reused);
        Assert.Equal(0, agent.GetStats("localhost", server.Port).Created); // the plain origin's pool is another
        agent.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void SecureConnection_is_raised_once_per_connection_when_its_handshake_is_done_before_its_first_request()
    {
        // Node's https server is a tls.Server: 'secureConnection' follows 'connection', before the request.
        var loop = new Loop();
        var events = new List<string>();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) => { events.Add("request"); res.End("ok"); });
        server.Connection += s => events.Add($"connection:{s.GetTlsConnection()!.IsEstablished}");
        server.SecureConnection += s => events.Add($"secure:{s.GetTlsConnection()!.IsEstablished}:{s.GetTlsConnection()!.AlpnProtocol}");
        server.Listen(0, "127.0.0.1");
        var agent = new Agent(loop, new AgentOptions { KeepAlive = true });
        Get(loop, agent, server.Port, "/a", s_trustTestCa, out _);
        Get(loop, agent, server.Port, "/b", s_trustTestCa, out _);
        Assert.Equal(["connection:False", "secure:True:http/1.1", "request", "request"], events);
        agent.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void A_throwing_SecureConnection_handler_is_reported_and_its_connection_destroyed()
    {
        var loop = new Loop();
        var errors = new List<Exception>();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) => res.End("never"));
        server.SecureConnection += _ => throw new InvalidTimeZoneException();
        server.HandlerError += (e, _) => errors.Add(e);
        server.Listen(0, "127.0.0.1");
        var agent = new Agent(loop);
        Get(loop, agent, server.Port, "/", s_trustTestCa, out Exception? error);
        Assert.NotNull(error);
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(errors));
        agent.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void An_https_request_to_an_untrusted_server_fails_with_the_verification_error()
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) => res.End("never"));
        server.Listen(0, "127.0.0.1");
        var agent = new Agent(loop);
        Get(loop, agent, server.Port, "/", RequestOptions.DefaultHttps, out Exception? error);
        Assert.Equal("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", (error as Uvnet.Net.NetException)?.Code);
        agent.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void An_https_request_with_TLS_options_that_cannot_be_used_throws_when_made_and_opens_nothing()
    {
        // The options were not validated by the HTTP client: the agent made its connection, then threw from inside
        // it (inside a loop callback for a request that waited for a free connection).
        var loop = new Loop();
        var agent = new Agent(loop);
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(TestCertificates.Client.RawData);
        var noKey = new TlsClientOptions { ClientCertificate = publicOnly };
        var weakKey = new TlsClientOptions { ClientCertificate = TestCertificates.WeakRsaClient }; // below OpenSSL's security level
        var negative = new TlsClientOptions { HandshakeTimeout = -1 };
        foreach (TlsClientOptions tls in new[] { noKey, weakKey, negative })
        {
            Assert.ThrowsAny<ArgumentException>(() => Uvnet.Http.Http.Get(loop, new RequestOptions { Host = "localhost", Port = 1, Tls = tls, Agent = agent }));
            Assert.Equal(0, agent.GetStats("localhost", 1, tls).Created);
        }
        Assert.Equal(0, loop.HandleCount);
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void FromUrl_takes_https_with_port_443_and_the_default_TLS_settings()
    {
        RequestOptions options = RequestOptions.FromUrl("https://example.test/a?b");
        Assert.Equal(443, options.Port);
        Assert.Same(RequestOptions.DefaultHttps, options.Tls);
        Assert.Null(RequestOptions.FromUrl("http://example.test/").Tls);
    }
}

/// <summary>A body delimited only by the close, over TLS: complete with close_notify, aborted without it.</summary>
[Collection(nameof(Sequential))]
public sealed class HttpsTruncationTests
{
    private static (string Body, bool Ended, Exception? Error, bool Aborted) CloseDelimited(bool closeNotify)
    {
        var loop = new Loop();
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s =>
        {
            s.Data += (_, _) =>
            {
                s.Write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the close");
                if (closeNotify)
                    s.End();
                else
                    s.Write(Array.Empty<byte>(), _ => s.Destroy()); // FIN without close_notify
            };
        });
        server.Listen(0, "127.0.0.1");
        string body = "";
        bool ended = false, closed = false, aborted = false;
        Exception? error = null;
        var request = Uvnet.Http.Http.Get(loop, new RequestOptions
        {
            Host = "localhost", Port = server.Port, Path = "/", NoAgent = true,
            Tls = new TlsClientOptions { CaCertificates = TestCertificates.CaCollection },
        }, res =>
        {
            res.Data += (_, d) => body += Encoding.UTF8.GetString(d);
            res.End += _ => ended = true;
            res.Error += (r, e) => { error = e; aborted = r.Aborted; };
            res.Close += _ => closed = true;
        });
        request.Error += (_, e) => { error = e; closed = true; };
        LoopDriver.RunUntil(loop, () => closed);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        return (body, ended, error, aborted);
    }

    [Fact]
    public void A_close_delimited_body_ended_by_close_notify_is_complete()
    {
        var (body, ended, error, _) = CloseDelimited(closeNotify: true);
        Assert.Equal("body until the close", body);
        Assert.True(ended);
        Assert.Null(error);
    }

    [Fact]
    public void A_close_delimited_body_cut_without_close_notify_is_aborted_as_truncated()
    {
        var (_, ended, error, aborted) = CloseDelimited(closeNotify: false);
        Assert.False(ended);
        Assert.NotNull(error);
        Assert.True(aborted);
    }
}
