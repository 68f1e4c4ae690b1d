using System.Text;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>
/// 'secureConnection' and 'tlsClientError' (Node's test-tls-secure-session, test-tls-junk-server,
/// test-https-server-connections-checking-leak): exactly one of them per connection, on the TLS server and on the HTTPS server.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsServerEventsTests
{
    // One instance: the agent pools connections by the TLS options object.
    private static readonly TlsClientOptions s_trustTestCa = new() { CaCertificates = TestCertificates.CaCollection };

    private sealed class HttpsFixture
    {
        internal readonly Loop Loop = new();
        internal readonly HttpServer Server;
        internal readonly List<Socket> Secure = [];
        internal readonly List<(NetException Error, Socket Socket)> ClientErrors = [];
        internal readonly List<string> Order = [];

        internal HttpsFixture(Action<Socket>? onSecure = null, TlsServerOptions? options = null)
        {
            Server = Https.CreateServer(Loop, options ?? TlsEchoTests.ServerOptions(), (req, res) =>
            {
                Order.Add("request " + req.Url);
                res.End("secure " + req.Url);
            });
            Server.SecureConnection += s =>
            {
                Order.Add("secure");
                Secure.Add(s);
                onSecure?.Invoke(s);
            };
            Server.TlsClientError += (e, s) => ClientErrors.Add((e, s));
            Server.Listen(0, "127.0.0.1");
        }

        internal void Finish()
        {
            Server.Close();
            Server.CloseAllConnections();
            LoopDriver.AssertNothingLeft(Loop);
            TlsLeaks.AssertNone();
        }
    }

    private static string Get(Loop loop, Agent agent, int port, string path, TlsClientOptions? tls = null)
    {
        string body = "";
        bool done = false;
        var request = Uvnet.Http.Http.Get(loop, new RequestOptions
        {
            Host = "localhost", Port = port, Path = path, Agent = agent,
            Tls = tls ?? s_trustTestCa,
        }, res =>
        {
            res.Data += (_, d) => body += Encoding.UTF8.GetString(d);
            res.End += _ => done = true;
        });
        request.Error += (_, _) => done = true;
        LoopDriver.RunUntil(loop, () => done);
        return body;
    }

    [Fact]
    public void The_HTTPS_server_raises_SecureConnection_once_per_connection_before_its_first_request()
    {
        var f = new HttpsFixture();
        var agent = new Agent(f.Loop);
        Assert.Equal("secure /1", Get(f.Loop, agent, f.Server.Port, "/1"));
        Assert.Equal("secure /2", Get(f.Loop, agent, f.Server.Port, "/2")); // the same keep-alive connection
        Assert.Equal(["secure", "request /1", "request /2"], f.Order);
        Assert.True(f.Secure.Single().GetTlsConnection()!.IsEstablished);
        Assert.Empty(f.ClientErrors);
        agent.Destroy();
        f.Finish();
    }

    [Fact]
    public void An_HTTPS_server_that_also_speaks_HTTP2_still_requires_the_client_certificate_its_options_ask_for()
    {
        // Https.CreateServer puts h2 first in a copy of the caller's ALPN list: the copy once dropped RequestCert (and the
        // CA, and the ticket keys), so a server that required client certificates let anyone in.
        var f = new HttpsFixture(options: new TlsServerOptions
        {
            Context = SecureContext.FromCertificate(TestCertificates.Localhost),
            RequestCert = true,
            CaCertificates = TestCertificates.CaCollection,
        });
        Assert.True(f.Server.Options.Http2);
        var agent = new Agent(f.Loop);
        Assert.Equal("", Get(f.Loop, agent, f.Server.Port, "/anonymous", new TlsClientOptions { CaCertificates = TestCertificates.CaCollection }));
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.Empty(f.Order);
        var withCertificate = new TlsClientOptions { CaCertificates = TestCertificates.CaCollection, ClientCertificate = TestCertificates.Client };
        Assert.Equal("secure /signed", Get(f.Loop, agent, f.Server.Port, "/signed", withCertificate));
        Assert.Equal("CN=client", f.Secure.Single().GetTlsConnection()!.GetPeerCertificate()!.Subject);
        agent.Destroy();
        f.Finish();
    }

    [Fact]
    public void The_HTTPS_server_raises_TlsClientError_once_for_garbage_instead_of_a_ClientHello_and_goes_on()
    {
        var f = new HttpsFixture();
        var raw = Net.Net.CreateConnection(f.Loop, f.Server.Port, "127.0.0.1");
        raw.Error += (_, _) => { };
        raw.Resume();
        raw.Write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        bool closed = false;
        raw.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.ClientErrors.Count == 1 && f.ClientErrors[0].Socket.Destroyed);
        Assert.StartsWith("ERR_SSL_", f.ClientErrors[0].Error.Code);
        Assert.Empty(f.Secure);
        Assert.Empty(f.Order); // no request was read from it
        var agent = new Agent(f.Loop);
        Assert.Equal("secure /after", Get(f.Loop, agent, f.Server.Port, "/after"));
        Assert.Single(f.ClientErrors);
        Assert.Single(f.Secure);
        agent.Destroy();
        f.Finish();
    }

    [Fact]
    public void A_plain_HTTP_server_raises_neither_TLS_event()
    {
        var loop = new Loop();
        var server = Uvnet.Http.Http.CreateServer(loop, (req, res) => res.End("plain"));
        int events = 0;
        server.SecureConnection += _ => events++;
        server.TlsClientError += (_, _) => events++;
        server.Listen(0, "127.0.0.1");
        string body = "";
        bool done = false;
        Uvnet.Http.Http.Get(loop, new RequestOptions { Host = "127.0.0.1", Port = server.Port, Path = "/", Agent = new Agent(loop, new AgentOptions { KeepAlive = false }) }, res =>
        {
            res.Data += (_, d) => body += Encoding.UTF8.GetString(d);
            res.End += _ => done = true;
        });
        LoopDriver.RunUntil(loop, () => done);
        Assert.Equal("plain", body);
        Assert.Equal(0, events);
        server.Close();
        server.CloseAllConnections();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_socket_destroyed_in_SecureConnection_serves_no_request_and_raises_no_TlsClientError()
    {
        var f = new HttpsFixture(s => s.Destroy());
        var agent = new Agent(f.Loop, new AgentOptions { KeepAlive = false });
        Get(f.Loop, agent, f.Server.Port, "/never"); // the agent retries once on a fresh connection, destroyed too
        LoopDriver.RunUntil(f.Loop, () => f.Secure.All(s => s.Destroyed));
        Assert.DoesNotContain(f.Order, o => o.StartsWith("request", StringComparison.Ordinal));
        Assert.Empty(f.ClientErrors);
        agent.Destroy();
        f.Finish();
    }

    [Fact]
    public void A_SecureConnection_handler_that_throws_is_reported_to_HandlerError_and_its_socket_destroyed()
    {
        var f = new HttpsFixture(_ => throw new CallbackException());
        var reported = new List<Exception>();
        f.Server.HandlerError += (e, _) => reported.Add(e);
        var agent = new Agent(f.Loop, new AgentOptions { KeepAlive = false });
        Get(f.Loop, agent, f.Server.Port, "/x");
        LoopDriver.RunUntil(f.Loop, () => f.Secure.Count > 0 && f.Secure.All(s => s.Destroyed));
        Assert.All(reported, e => Assert.IsType<CallbackException>(e));
        Assert.Equal(f.Secure.Count, reported.Count);
        Assert.Empty(f.ClientErrors);
        agent.Destroy();
        f.Finish();
    }

    [Fact]
    public void The_TLS_server_raises_exactly_one_of_its_two_events_per_connection()
    {
        var f = new TlsFixture();
        var secureSockets = new List<Socket>();
        var errorSockets = new List<Socket>();
        f.Server.SecureConnection += secureSockets.Add;
        f.Server.TlsClientError += (_, s) => errorSockets.Add(s);
        f.Raw("garbage, not a ClientHello"u8.ToArray());
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        f.AssertStillServes();
        f.Raw([22, 3, 1]).End(); // a peer gone mid-handshake
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 2);
        f.AssertStillServes();
        LoopDriver.RunFor(f.Loop, 50); // nothing more comes
        Assert.Equal(2, secureSockets.Count);
        Assert.Equal(2, errorSockets.Count);
        Assert.Empty(secureSockets.Intersect(errorSockets));
        Assert.All(errorSockets, s => Assert.True(s.Destroyed));
        f.Finish();
    }

    [Fact]
    public void A_socket_destroyed_in_the_TLS_servers_SecureConnection_reads_none_of_the_data_that_came_with_the_handshake()
    {
        // The client's write, held until its handshake is done, leaves with its Finished: the server decrypts it in
        // the read that completed the handshake, right after SecureConnection. Destroyed there, it delivers nothing.
        var loop = new Loop();
        int secure = 0, data = 0, clientErrors = 0;
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s =>
        {
            secure++;
            s.Destroy();
        });
        server.NetServer.Connection += s => s.Data += (_, _) => data++;
        server.TlsClientError += (_, _) => clientErrors++;
        server.Listen(0, "127.0.0.1");
        var client = Tls.Connect(loop, server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Error += (_, _) => { };
        client.Resume();
        client.Write("sent with the Finished");
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(loop, () => closed && secure == 1);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(0, data);
        Assert.Equal(0, clientErrors);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void A_socket_destroyed_in_a_Data_handler_delivers_none_of_the_records_decrypted_behind_it()
    {
        var loop = new Loop();
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s => s.Write(new byte[40_000])); // three records
        server.Listen(0, "127.0.0.1");
        int pieces = 0;
        bool closed = false;
        NetException? error = null;
        var client = Tls.Connect(loop, server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Data += (s, _) =>
        {
            pieces++;
            s.Destroy();
        };
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal(1, pieces);
        Assert.Null(error);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void A_client_destroyed_in_its_secure_callback_closes_without_an_error_and_frees_its_session()
    {
        var f = new TlsFixture();
        NetException? error = null;
        bool closed = false;
        var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions(), s => s.Destroy());
        client.Write("held, then dropped");
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.Secure.Count == 1 && f.Secure[0].Destroyed);
        Assert.Null(error);
        Assert.True(client.GetTlsConnection()!.IsEstablished);
        f.Finish();
    }

    [Fact]
    public void Tls_Connect_and_Listen_called_off_the_loop_throw_and_change_nothing()
    {
        var f = new TlsFixture();
        var agent = new Agent(f.Loop);
        int handles = f.Loop.HandleCount;
        var errors = LoopDriver.ExceptionsOffTheLoop(f.Loop,
            () => Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions()),
            () => Tls.CreateServer(f.Loop, TlsEchoTests.ServerOptions()).Listen(0, "127.0.0.1"),
            () => Uvnet.Http.Http.Get(f.Loop, new RequestOptions { Host = "localhost", Port = f.Server.Port, Tls = s_trustTestCa, Agent = agent }),
            agent.Destroy);
        Assert.Equal(4, errors.Count);
        f.Loop.Run(RunMode.NoWait); // the close of the driver's own timer
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Equal(handles, f.Loop.HandleCount);
        Assert.Equal(0, Tls.LiveSessionCount);
        Assert.Equal(0, agent.GetStats("localhost", f.Server.Port, s_trustTestCa).Created);
        f.Finish();
    }
}
