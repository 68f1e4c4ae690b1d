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

        internal HttpsFixture(Action<Socket>? onSecure = null)
        {
            Server = Https.CreateServer(Loop, TlsEchoTests.ServerOptions(), (req, res) =>
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

    private static string Get(Loop loop, Agent agent, int port, string path)
    {
        string body = "";
        bool done = false;
        var request = Uvnet.Http.Http.Get(loop, new RequestOptions
        {
            Host = "localhost", Port = port, Path = path, Agent = agent,
            Tls = s_trustTestCa,
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
}
