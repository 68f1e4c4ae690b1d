using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Listeners;
using Uvnet.Tls;
using Uvnet.Tls.Tests;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Several listeners per proxy (envoy's listeners, nginx's several <c>listen</c> lines in one server block), each
/// plain or TLS, each with or without the PROXY protocol; reloads that add and remove them (envoy's LDS: a listener
/// that is drained finishes its requests) and that give a TLS listener a new certificate (envoy's SDS rotation, nginx's
/// reload with a renewed certificate: new handshakes take it, open connections keep theirs).
/// </summary>
public sealed class ListenerTests
{
    private static readonly TlsClientOptions s_anyCertificate = new() { DangerousAcceptAnyServerCertificate = true, AlpnProtocols = ["http/1.1"] };

    private static TlsServerOptions ServerTls(X509Certificate2 certificate) => new() { Context = SecureContext.FromCertificate(certificate) };

    private static readonly X509Certificate2 s_renewed = TestCertificates.Leaf("renewed", ["localhost"], [System.Net.IPAddress.Loopback]);

    private static ProxyListenerOptions At(string name, TlsServerOptions? tls = null, bool proxyProtocol = false) =>
        new() { Name = name, Host = "127.0.0.1", Port = 0, Tls = tls, ProxyProtocol = proxyProtocol };

    /// <summary>Adds a listener and runs the loop until it listens.</summary>
    private static ProxyListener Add(ProxyKit kit, ProxyListenerOptions options)
    {
        bool listening = false;
        ProxyListener listener = kit.Proxy!.AddListener(options, _ => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        return listener;
    }

    private static Outcome Get(ProxyKit kit, ProxyListener listener, Http.Client.Agent? agent = null) =>
        kit.Exchange(kit.ToProxy() with { Port = listener.Port, Tls = listener.Options.Tls is null ? null : s_anyCertificate, Agent = agent ?? kit.Client });

    /// <summary>Writes <paramref name="raw"/> to <paramref name="port"/> and collects what comes back until the proxy closes.</summary>
    private static RawClient Raw(ProxyKit kit, int port, string raw)
    {
        var client = new RawClient();
        Socket socket = Net.Net.CreateConnection(kit.Loop, port, "127.0.0.1");
        client.Socket = socket;
        socket.Error += (_, _) => { };
        socket.Data += (_, d) => client.Received.Append(Encoding.Latin1.GetString(d));
        socket.Closed += (_, _) => client.Closed = true;
        socket.Write(Encoding.Latin1.GetBytes(raw));
        return client;
    }

    /// <summary>An upstream that answers "up" at once, and holds a request for /hold in <paramref name="held"/>.</summary>
    private static int StartHolding(ProxyKit kit, List<ServerResponse> held) => kit.StartUpstream((req, res) =>
    {
        if (req.Url == "/hold")
            held.Add(res);
        else
            res.End("up");
    });

    // As envoy's several listeners sharing one route configuration: each serves the same routes, and the upstream
    // learns each one's scheme and client.
    [Fact]
    public void Several_listeners_plain_TLS_and_PROXY_protocol_serve_the_same_routes()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        kit.StartProxy(ProxyKit.Simple(null, null, upstream));
        ProxyListener secure = Add(kit, At("secure", ServerTls(TestCertificates.Localhost)));
        ProxyListener balanced = Add(kit, At("balanced", proxyProtocol: true));

        Assert.Equal((200, "up"), (Get(kit, kit.Proxy!.Listeners[0]).Status, Get(kit, kit.Proxy.Listeners[0]).Text));
        Assert.Equal((200, "up"), (Get(kit, secure).Status, Get(kit, secure).Text));
        RawClient proxied = Raw(kit, balanced.Port, "PROXY TCP4 198.51.100.7 127.0.0.1 4000 80\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => proxied.Closed);

        Assert.StartsWith("HTTP/1.1 200", proxied.Text, StringComparison.Ordinal);
        Assert.Equal(["http", "http", "https", "https", "http"], kit.Seen.Select(s => s.Header("X-Forwarded-Proto")));
        Assert.Equal("198.51.100.7", kit.Seen[^1].Header("X-Forwarded-For"));
        Assert.Equal(3, kit.Proxy.Listeners.Count);
        Assert.Equal(["secure", "balanced"], kit.Proxy.Listeners.Skip(1).Select(l => l.Name));
    }

    [Fact]
    public void A_PROXY_protocol_listener_beside_a_plain_one_closes_a_connection_without_the_header_and_the_plain_one_needs_none()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        kit.StartProxy(ProxyKit.Simple(null, null, upstream));
        ProxyListener balanced = Add(kit, At("balanced", proxyProtocol: true));

        RawClient bare = Raw(kit, balanced.Port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => bare.Closed);

        Assert.Equal("", bare.Text);
        Assert.Empty(kit.Seen);
        Assert.Equal(200, Get(kit, kit.Proxy!.Listeners[0]).Status);
    }

    [Fact]
    public void A_reload_adds_and_removes_listeners_and_requests_in_flight_on_kept_and_removed_ones_finish()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = StartHolding(kit, held);
        ProxyOptions options = ProxyKit.Simple([new FinishRecorder(kit.Finished)], null, upstream);
        kit.StartProxy(options);
        kit.Proxy!.Reload(options, [At("a"), At("b")]);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners.All(l => l.Port != 0));
        ProxyListener a = kit.Proxy.Listeners[1], b = kit.Proxy.Listeners[2];
        int bPort = b.Port;
        Assert.Equal(["a", "b"], new[] { a.Name, b.Name });
        Outcome onA = kit.Send(kit.ToProxy("/hold") with { Port = a.Port });
        Outcome onB = kit.Send(kit.ToProxy("/hold") with { Port = b.Port });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 2);

        kit.Proxy.Reload(options, [At("a"), At("c")]);

        Assert.Equal(["a", "c"], kit.Proxy.Listeners.Skip(1).Select(l => l.Name));
        Assert.Same(a, kit.Proxy.Listeners[1]); // kept: the same server, its connections untouched
        Assert.True(b.IsClosed);
        Outcome refused = kit.Exchange(kit.ToProxy() with { Port = bPort });
        Assert.Equal("ECONNREFUSED", (refused.Error as NetException)?.Code);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners[2].Port != 0);
        Assert.Equal("up", kit.Exchange(kit.ToProxy() with { Port = kit.Proxy.Listeners[2].Port }).Text);
        foreach (ServerResponse res in held)
            res.End("late");
        LoopDriver.RunUntil(kit.Loop, () => onA.Closed && onB.Closed);
        Assert.Equal((200, "late"), (onA.Status, onA.Text));
        Assert.Equal((200, "late"), (onB.Status, onB.Text));
        Assert.Equal("up", kit.Exchange(kit.ToProxy() with { Port = a.Port }).Text); // the kept listener still serves
    }

    [Fact]
    public void A_reload_with_an_invalid_listener_changes_nothing_and_names_the_field()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        kit.StartProxy(options);
        kit.Proxy!.Reload(options, [At("a")]);
        ProxyOptions before = kit.Proxy.Options;
        ProxyListener a = kit.Proxy.Listeners[1];
        ProxyOptions other = ProxyKit.Simple(null, null, upstream, upstream);

        Assert.Contains("Listeners[2]: another listener is named \"a\"", Assert.Throws<ArgumentException>(() => kit.Proxy.Reload(other, [At("b"), At("a"), At("a")])).Message, StringComparison.Ordinal);
        Assert.Contains("Listeners[0].Port", Assert.Throws<ArgumentException>(() => kit.Proxy.Reload(other, [At("b") with { Port = 70000 }])).Message, StringComparison.Ordinal);
        Assert.Contains("Listeners[0].Tls", Assert.Throws<ArgumentException>(() =>
            kit.Proxy.Reload(other, [At("a", new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost), HandshakeTimeout = -1 })])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => kit.Proxy.Reload(other, [], ServerTls(TestCertificates.Localhost))); // the first listener is plain

        Assert.Same(before, kit.Proxy.Options);
        Assert.Equal([kit.Proxy.Listeners[0], a], kit.Proxy.Listeners);
        Assert.False(a.IsClosed);
    }

    [Fact]
    public void A_listener_that_cannot_listen_is_reported_and_leaves_the_list()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        kit.StartProxy(ProxyKit.Simple(null, null, upstream));
        (ProxyListener Listener, NetException Error)? failed = null;
        kit.Proxy!.ListenerError += (l, e) => failed = (l, e);

        ProxyListener taken = kit.Proxy.AddListener(new ProxyListenerOptions { Host = "127.0.0.1", Port = kit.Proxy.Port });
        LoopDriver.RunUntil(kit.Loop, () => failed is not null);

        Assert.Same(taken, failed!.Value.Listener);
        Assert.Equal("EADDRINUSE", failed.Value.Error.Code);
        Assert.True(taken.IsClosed);
        Assert.Single(kit.Proxy.Listeners);
        Assert.Equal(200, Get(kit, kit.Proxy.Listeners[0]).Status);
    }

    [Fact]
    public void AddListener_checks_its_arguments_and_thread_before_making_anything()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ProxyKit.Simple(null, null, 1));
        Assert.Throws<ArgumentNullException>(() => kit.Proxy!.AddListener(null!));
        Assert.Contains("Listener.Port", Assert.Throws<ArgumentException>(() => kit.Proxy!.AddListener(new ProxyListenerOptions { Port = -1 })).Message, StringComparison.Ordinal);
        Assert.Contains("Listener.Name", Assert.Throws<ArgumentException>(() => kit.Proxy!.AddListener(new ProxyListenerOptions { Name = "" })).Message, StringComparison.Ordinal);
        Exception? offLoop = LoopDriver.ExceptionsOffTheLoop(kit.Loop, () => kit.Proxy!.AddListener(new ProxyListenerOptions()))[0];
        Assert.IsType<InvalidOperationException>(offLoop);
        Assert.Single(kit.Proxy!.Listeners);
    }

    [Fact]
    public void A_closed_proxy_refuses_new_listeners_and_closes_every_listener_it_had()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ProxyKit.Simple(null, null, 1));
        ProxyListener extra = Add(kit, At("extra"));
        bool closed = false;

        kit.Proxy!.Close(() => closed = true);
        LoopDriver.RunUntil(kit.Loop, () => closed);

        Assert.True(extra.IsClosed);
        Assert.Empty(kit.Proxy.Listeners);
        Assert.Throws<InvalidOperationException>(() => kit.Proxy.AddListener(At("late")));
    }

    // Node: test/parallel/test-tls-set-secure-context.js: after server.setSecureContext, new connections get the new
    // certificate while one already open keeps the old.
    [Fact]
    public void A_reload_with_a_new_certificate_serves_new_handshakes_with_it_and_an_open_connection_keeps_its_own()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        kit.StartProxy(options);
        kit.Proxy!.Reload(options, [At("secure", ServerTls(TestCertificates.Localhost))]);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners[1].Port != 0);
        ProxyListener secure = kit.Proxy.Listeners[1];
        Outcome before = Get(kit, secure);
        Socket kept = before.Response!.Socket;

        kit.Proxy.Reload(options, [At("secure", ServerTls(s_renewed))]);

        Assert.Same(secure, kit.Proxy.Listeners[1]);
        var fresh = new Http.Client.Agent(kit.Loop);
        try
        {
            Outcome after = Get(kit, secure, fresh);
            Assert.Equal("CN=renewed", after.Response!.Socket.GetTlsConnection()!.GetPeerCertificate()!.Subject);
        }
        finally
        {
            fresh.Destroy();
        }
        Outcome again = Get(kit, secure); // the first agent's connection, kept alive across the reload
        Assert.True(again.Request!.ReusedSocket);
        Assert.Same(kept, again.Response!.Socket);
        Assert.Equal("CN=localhost", kept.GetTlsConnection()!.GetPeerCertificate()!.Subject);
    }

    [Fact]
    public void The_first_listener_takes_a_new_certificate_by_reload_and_a_plain_listener_refuses_one()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("up"));
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        kit.StartProxy(options, new ProxyListenerOptions { Tls = ServerTls(TestCertificates.Localhost) });
        TlsServerOptions renewed = ServerTls(s_renewed);

        kit.Proxy!.Reload(options, [], renewed);

        Assert.Same(renewed, kit.Proxy.Listener.Tls);
        Outcome o = Get(kit, kit.Proxy.Listeners[0]);
        Assert.Equal("CN=renewed", o.Response!.Socket.GetTlsConnection()!.GetPeerCertificate()!.Subject);
        ProxyListener plain = Add(kit, At("plain"));
        Assert.Throws<InvalidOperationException>(() => plain.SetTls(renewed));
        Assert.Throws<ArgumentOutOfRangeException>(() => kit.Proxy.Listeners[0].SetTls(new TlsServerOptions { Context = renewed.Context, HandshakeTimeout = -1 }));
        Assert.Same(renewed, kit.Proxy.Listener.Tls); // a refused one changes nothing
    }

    [Fact]
    public void A_listener_whose_kind_changed_is_replaced_and_the_old_one_finishes_its_requests()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = StartHolding(kit, held);
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        kit.StartProxy(options);
        kit.Proxy!.Reload(options, [At("x")]);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners[1].Port != 0);
        ProxyListener plain = kit.Proxy.Listeners[1];
        Outcome inFlight = kit.Send(kit.ToProxy("/hold") with { Port = plain.Port });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);

        kit.Proxy.Reload(options, [At("x", ServerTls(TestCertificates.Localhost))]);

        Assert.True(plain.IsClosed);
        ProxyListener secure = kit.Proxy.Listeners[1];
        Assert.NotSame(plain, secure);
        LoopDriver.RunUntil(kit.Loop, () => secure.Port != 0);
        Assert.Equal("up", Get(kit, secure).Text);
        held[0].End("late");
        LoopDriver.RunUntil(kit.Loop, () => inFlight.Closed);
        Assert.Equal((200, "late"), (inFlight.Status, inFlight.Text));
    }

    [Fact]
    public void Dispose_after_a_graceful_Close_destroys_the_connections_still_busy_on_every_listener()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = StartHolding(kit, held);
        kit.StartProxy(ProxyKit.Simple(null, null, upstream));
        ProxyListener extra = Add(kit, At("extra"));
        Outcome onFirst = kit.Send(kit.ToProxy("/hold"));
        Outcome onExtra = kit.Send(kit.ToProxy("/hold") with { Port = extra.Port });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 2);
        bool closed = false;

        kit.Proxy!.Close(() => closed = true);
        kit.Proxy.Dispose(); // the grace period is over

        LoopDriver.RunUntil(kit.Loop, () => onFirst.Closed && onExtra.Closed && closed);
        Assert.NotNull(onFirst.Error);
        Assert.NotNull(onExtra.Error);
    }
}
