using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Routing;
using Uvnet.Tls;
using Uvnet.Tls.Tests;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// TLS on both legs: a listener terminating TLS (as the HTTPS server; envoy's downstream TLS transport socket, BFE's
/// HandleHandshake point), the PROXY protocol ahead of its handshake, and clusters reached over TLS (the HTTP client's https).
/// </summary>
public sealed class ProxyTlsTests
{
    private static TlsServerOptions ServerTls(X509Certificate2? certificate = null) =>
        new() { Context = SecureContext.FromCertificate(certificate ?? TestCertificates.Localhost) };

    private static readonly TlsClientOptions s_trustTestCa = new() { CaCertificates = TestCertificates.CaCollection, AlpnProtocols = ["http/1.1"] };

    private static ProxyOptions To(int port, IReadOnlyList<ProxyFilter>? filters = null, TlsClientOptions? upstreamTls = null, string host = "127.0.0.1") => new()
    {
        Clusters = [new ProxyCluster { Name = "app", Destinations = [$"{host}:{port}"], Tls = upstreamTls }],
        Routes = [new ProxyRoute { Cluster = "app" }],
        Filters = filters ?? [],
        Lookup = _ => [IPAddress.Loopback],
    };

    private static Outcome Https(ProxyKit kit, string path = "/") => kit.Exchange(kit.ToProxy(path) with { Tls = s_trustTestCa });

    [Fact]
    public void A_TLS_listener_terminates_TLS_and_tells_the_upstream_https()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("plain upstream"));
        kit.StartProxy(To(upstream), new ProxyListenerOptions { Tls = ServerTls() });

        Outcome o = Https(kit);

        Assert.Equal((200, "plain upstream"), (o.Status, o.Text));
        Assert.Equal("https", Assert.Single(kit.Seen).Header("X-Forwarded-Proto"));
        Assert.True(kit.Finished[0].Connection.Socket.GetTlsConnection()!.IsEstablished);
    }

    [Fact]
    public void A_plain_listener_says_http_and_never_runs_the_Handshake_point()
    {
        using var kit = new ProxyKit();
        var points = new List<string>();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Handshake, _ => { points.Add("handshake"); return HookResult.Continue; })]));

        kit.Exchange(kit.ToProxy());

        Assert.Equal("http", Assert.Single(kit.Seen).Header("X-Forwarded-Proto"));
        Assert.Empty(points);
    }

    [Fact]
    public void The_Handshake_point_runs_after_Accept_once_TLS_is_established_and_before_the_first_request()
    {
        using var kit = new ProxyKit();
        var points = new List<string>();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new PointRecorder(points)]), new ProxyListenerOptions { Tls = ServerTls() });

        Https(kit);

        Assert.Equal(["Accept:False", "Handshake:True", "RequestHead", "RequestFinished"], points);
    }

    [Fact]
    public void A_Handshake_filter_can_answer_every_request_of_the_connection()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Handshake, _ => HookResult.Respond(421, body: "misdirected"u8.ToArray()))]),
            new ProxyListenerOptions { Tls = ServerTls() });

        Outcome o = Https(kit);

        Assert.Equal((421, "misdirected"), (o.Status, o.Text));
        Assert.Equal("close", o.Response!.Headers["connection"]);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void A_Handshake_filter_can_close_the_connection()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Handshake, _ => HookResult.Close)]), new ProxyListenerOptions { Tls = ServerTls() });

        Outcome o = Https(kit);

        Assert.Null(o.Response);
        Assert.NotNull(o.Error);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void A_throwing_Handshake_filter_is_a_500_and_reported()
    {
        using var kit = new ProxyKit();
        var errors = new List<Exception>();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Handshake, _ => throw new InvalidTimeZoneException())]), new ProxyListenerOptions { Tls = ServerTls() });
        kit.Proxy!.FilterError += (e, _) => errors.Add(e);

        Assert.Equal(500, Https(kit).Status);
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(errors));
    }

    [Fact]
    public void A_paused_Accept_holds_the_Handshake_point_and_the_requests_until_it_resumes()
    {
        using var kit = new ProxyKit();
        var points = new List<string>();
        ResumeHandle accept = default;
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Accept, e => { accept = e.Pause(); return HookResult.Paused; }), new PointRecorder(points)]),
            new ProxyListenerOptions { Tls = ServerTls() });
        Outcome o = kit.Send(kit.ToProxy() with { Tls = s_trustTestCa });
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.Server.ConnectionCount == 1 && kit.Proxy.ActiveExchanges == 1); // TLS is done, the request read

        Assert.Empty(points);
        Assert.True(accept.Resume());
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);

        Assert.Equal(200, o.Status);
        Assert.Equal(["Accept:True", "Handshake:True", "RequestHead", "RequestFinished"], points); // Accept's later filters ran on resuming
    }

    [Fact]
    public void A_paused_Handshake_filter_holds_the_requests_until_it_resumes()
    {
        using var kit = new ProxyKit();
        ResumeHandle handshake = default;
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream, [new DelegateFilter(HookPoint.Handshake, e => { handshake = e.Pause(); return HookResult.Paused; })]),
            new ProxyListenerOptions { Tls = ServerTls() });
        Outcome o = kit.Send(kit.ToProxy() with { Tls = s_trustTestCa });
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.ActiveExchanges == 1);

        Assert.Empty(kit.Seen);
        Assert.True(handshake.Resume(HookResult.Respond(403)));
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);

        Assert.Equal(403, o.Status);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void A_PROXY_header_comes_ahead_of_the_TLS_handshake()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream), new ProxyListenerOptions { Tls = ServerTls(), ProxyProtocol = true });
        Socket socket = Net.Net.CreateConnection(kit.Loop, kit.Proxy!.Port, "127.0.0.1");
        socket.Write(Encoding.ASCII.GetBytes("PROXY TCP4 198.51.100.23 203.0.113.1 5000 443\r\n"));

        string answer = RunUntilDone(kit.Loop, ExchangeOverTls(socket.GetStream()));

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Equal("198.51.100.23", Assert.Single(kit.Seen).Header("X-Forwarded-For"));
        Assert.Equal("https", kit.Seen[0].Header("X-Forwarded-Proto"));
        socket.Destroy();
    }

    [Fact]
    public void A_TLS_handshake_without_the_PROXY_header_the_listener_expects_is_closed()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(To(upstream), new ProxyListenerOptions { Tls = ServerTls(), ProxyProtocol = true });

        Outcome o = Https(kit);

        Assert.Null(o.Response);
        Assert.NotNull(o.Error);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void A_cluster_over_TLS_reaches_an_HTTPS_upstream()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((req, res) => res.End("secure upstream"), tls: ServerTls());
        kit.StartProxy(To(upstream, upstreamTls: new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }));

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal((200, "secure upstream"), (o.Status, o.Text));
        Assert.Equal(1, kit.Proxy!.Clusters[0].Agent.GetStats("127.0.0.1", upstream, kit.Proxy.Clusters[0].Destinations[0].Tls).Created);
    }

    [Fact]
    public void A_host_name_destination_over_TLS_is_verified_against_its_name_not_the_address_it_was_found_at()
    {
        using var kit = new ProxyKit();
        X509Certificate2 named = TestCertificates.Leaf("upstream.test", ["upstream.test"], []);
        int upstream = kit.StartUpstream((req, res) => res.End("named"), tls: ServerTls(named));
        kit.StartProxy(To(upstream, upstreamTls: new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }, host: "upstream.test"));
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.Clusters[0].Destinations[0].Address is not null);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal((200, "named"), (o.Status, o.Text));
    }

    [Fact]
    public void An_upstream_whose_certificate_fails_verification_is_502()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((req, res) => res.End("untrusted"), tls: ServerTls(TestCertificates.SelfSigned));
        kit.StartProxy(To(upstream, upstreamTls: new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }));

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(502, o.Status);
        Assert.Empty(kit.Seen);
    }

    [Theory]
    [InlineData("upstream.test")] // a name, found at 127.0.0.1: checked against the name
    [InlineData("127.0.0.1")]     // an address: checked against the address
    public void An_upstream_whose_trusted_certificate_names_another_host_is_502(string host)
    {
        using var kit = new ProxyKit();
        X509Certificate2 other = TestCertificates.Leaf("other.test", ["other.test"], []);
        int upstream = kit.StartUpstream((req, res) => res.End("impostor"), tls: ServerTls(other));
        kit.StartProxy(To(upstream, upstreamTls: new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }, host: host));
        LoopDriver.RunUntil(kit.Loop, () => host == "127.0.0.1" || kit.Proxy!.Clusters[0].Destinations[0].Address is not null);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(502, o.Status);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void Health_checks_of_a_TLS_cluster_go_over_TLS()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((req, res) => res.End("ok"), tls: ServerTls());
        kit.StartProxy(To(upstream, upstreamTls: new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }) with
        {
            Clusters = [new ProxyCluster
            {
                Name = "app", Destinations = [$"127.0.0.1:{upstream}"], Tls = new TlsClientOptions { CaCertificates = TestCertificates.CaCollection },
                HealthCheck = new ProxyHealthCheck { Path = "/healthz", Interval = 10, UnhealthyThreshold = 1 },
            }],
        });

        LoopDriver.RunUntil(kit.Loop, () => kit.Seen.Count(s => s.Url == "/healthz") >= 2);

        Assert.True(kit.Proxy!.Clusters[0].Destinations[0].Healthy);
    }

    [Fact]
    public void A_cluster_s_invalid_TLS_options_are_refused_naming_the_field()
    {
        using var loop = new Loop();
        var options = To(1, upstreamTls: new TlsClientOptions { HandshakeTimeout = -1 });

        var e = Assert.ThrowsAny<ArgumentException>(() => new ProxyServer(loop, options));

        Assert.Contains("Clusters[0].Tls", e.Message);
    }

    /// <summary>Runs the loop until <paramref name="task"/> (on the thread pool, its socket's I/O posted to the loop) is done.</summary>
    private static T RunUntilDone<T>(Loop loop, Task<T> task)
    {
        LoopDriver.RunUntil(loop, () => task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>TLS over <paramref name="stream"/> (trusting the test CA), one request with Connection: close, and everything answered.</summary>
    private static async Task<string> ExchangeOverTls(Stream stream)
    {
        using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null &&
                new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { TestCertificates.Ca }, RevocationMode = X509RevocationMode.NoCheck } }.Build(new X509Certificate2(certificate)),
        }).ConfigureAwait(false);
        await tls.WriteAsync("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
        using var reader = new StreamReader(tls, Encoding.Latin1);
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }

    private sealed class PointRecorder(List<string> points) : ProxyFilter
    {
        public override HookResult OnAccept(ProxyExchange exchange)
        {
            points.Add($"Accept:{exchange.Connection.Socket.GetTlsConnection()?.IsEstablished == true}");
            return HookResult.Continue;
        }

        public override HookResult OnHandshake(ProxyExchange exchange)
        {
            points.Add($"Handshake:{exchange.Connection.Socket.GetTlsConnection()?.IsEstablished == true}");
            return HookResult.Continue;
        }

        public override HookResult OnRequestHead(ProxyExchange exchange)
        {
            points.Add("RequestHead");
            return HookResult.Continue;
        }

        public override HookResult OnRequestFinished(ProxyExchange exchange)
        {
            points.Add("RequestFinished");
            return HookResult.Continue;
        }
    }
}
