using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls.Tests;

/// <summary>
/// Session resumption: the client's session cache (Node's test-https-agent-session-reuse,
/// test-https-agent-session-eviction) and the server's ticket keys (test-tls-ticket, test-tls-ticket-cluster).
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsSessionTests
{
    private static readonly TlsClientOptions s_trustTestCa = new() { CaCertificates = TestCertificates.CaCollection, AlpnProtocols = ["http/1.1"] };

    /// <summary>A clock the test turns: the ticket key rotation is pinned without waiting.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        internal void Advance(long milliseconds) => _ticks += TimeSpan.FromMilliseconds(milliseconds).Ticks;
    }

    /// <summary>An https server that records, per connection, whether its handshake resumed a session.</summary>
    private sealed class ResumingServer
    {
        internal readonly Loop Loop = new();
        internal readonly HttpServer Server;
        internal readonly List<bool> Resumed = [];

        internal ResumingServer(TlsServerOptions? options = null)
        {
            Server = Https.CreateServer(Loop, options ?? TlsEchoTests.ServerOptions(), (req, res) => res.End("ok"));
            Server.SecureConnection += s => Resumed.Add(s.GetTlsConnection()!.SessionReused);
            Server.Listen(0, "127.0.0.1");
        }

        /// <summary>One GET through <paramref name="agent"/>; whether the client's side of its connection resumed.</summary>
        internal bool Get(Agent agent, string host = "localhost", TlsClientOptions? tls = null)
        {
            bool done = false, resumed = false;
            Exception? failure = null;
            var request = Uvnet.Http.Http.Get(Loop, new RequestOptions { Host = host, Port = Server.Port, Path = "/", Tls = tls ?? s_trustTestCa, Agent = agent }, res =>
            {
                resumed = res.Request.Connection!.GetTlsConnection()!.SessionReused;
                res.Resume();
                res.End += _ => done = true;
            });
            request.Error += (_, e) => { failure = e; done = true; };
            LoopDriver.RunUntil(Loop, () => done);
            Assert.Null(failure);
            return resumed;
        }

        internal bool Connect(TlsSessionCache sessions) => ConnectResuming(Loop, Server.Port, sessions);

        internal void Finish(Agent? agent = null)
        {
            agent?.Destroy();
            Server.Close();
            LoopDriver.AssertNothingLeft(Loop);
            TlsLeaks.AssertNone();
        }
    }

    /// <summary>
    /// A bare TLS connection (of <paramref name="options"/>, else trusting the test CA) that resumes from, and saves
    /// to, <paramref name="sessions"/>; whether it resumed.
    /// </summary>
    internal static bool ConnectResuming(Loop loop, int port, TlsSessionCache sessions, TlsClientOptions? options = null)
    {
        var client = new Socket(loop);
        bool resumed = false, closed = false;
        Tls.Attach(client, options ?? s_trustTestCa, "localhost", s =>
        {
            resumed = s.GetTlsConnection()!.SessionReused;
            s.End(); // the server's tickets and close_notify still come in: the client reads to the end
        }, sessions, 1);
        client.Closed += (_, _) => closed = true;
        client.Resume();
        client.Connect(port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => closed);
        return resumed;
    }

    /// <summary>Server options whose ticket key rotates every <paramref name="rotation"/> ms of <paramref name="clock"/>.</summary>
    private static TlsServerOptions Rotating(long rotation, ManualClock clock) =>
        new() { Context = SecureContext.FromCertificate(TestCertificates.Localhost), TicketKeyRotation = rotation, TimeProvider = clock };

    [Fact]
    public void The_second_connection_of_an_agent_resumes_the_session_of_the_first()
    {
        var server = new ResumingServer();
        var agent = new Agent(server.Loop, new AgentOptions { KeepAlive = false }); // a new connection per request
        Assert.False(server.Get(agent));
        Assert.True(server.Get(agent));
        Assert.True(server.Get(agent));
        Assert.Equal([false, true, true], server.Resumed);
        Assert.Equal(3, agent.GetStats("localhost", server.Server.Port, s_trustTestCa).Created);
        server.Finish(agent);
    }

    [Fact]
    public void An_agent_offers_a_session_only_to_the_host_and_the_TLS_settings_it_was_made_with()
    {
        // A session verified for one name must not skip the verification of another (Node keys its agent's cache by
        // the pool's name: host, port, servername and the TLS options). Here: the host and the options object.
        var server = new ResumingServer();
        var agent = new Agent(server.Loop, new AgentOptions { KeepAlive = false });
        var otherSettings = new TlsClientOptions { CaCertificates = TestCertificates.CaCollection, AlpnProtocols = ["http/1.1"] };
        Assert.False(server.Get(agent)); // localhost, s_trustTestCa: full, its session kept
        Assert.False(server.Get(agent, "127.0.0.1")); // another host: full
        Assert.False(server.Get(agent, tls: otherSettings)); // other settings: full
        Assert.True(server.Get(agent)); // each kept its own: localhost resumes
        Assert.True(server.Get(agent, "127.0.0.1"));
        Assert.Equal([false, false, false, true, true], server.Resumed);
        server.Finish(agent);
    }

    [Fact]
    public void An_agent_with_MaxCachedSessions_zero_does_a_full_handshake_every_time()
    {
        var server = new ResumingServer();
        var agent = new Agent(server.Loop, new AgentOptions { KeepAlive = false, MaxCachedSessions = 0 });
        Assert.False(server.Get(agent));
        Assert.False(server.Get(agent));
        Assert.Equal([false, false], server.Resumed);
        server.Finish(agent);
    }

    [Fact]
    public void Destroying_an_agent_frees_its_sessions()
    {
        var server = new ResumingServer();
        var agent = new Agent(server.Loop, new AgentOptions { KeepAlive = false });
        server.Get(agent);
        agent.Destroy();
        Assert.False(server.Get(agent));
        server.Finish(agent);
    }

    [Fact]
    public void A_connection_still_handshaking_when_its_agent_is_destroyed_puts_no_session_back()
    {
        var server = new ResumingServer();
        var agent = new Agent(server.Loop, new AgentOptions { KeepAlive = false });
        bool done = false;
        var request = Uvnet.Http.Http.Get(server.Loop, new RequestOptions { Host = "localhost", Port = server.Server.Port, Path = "/", Tls = s_trustTestCa, Agent = agent }, res =>
        {
            res.Resume();
            res.End += _ => done = true;
        });
        request.Socket += (_, _) => agent.Destroy(); // the connection is made, its handshake not begun
        request.Error += (_, _) => done = true;
        LoopDriver.RunUntil(server.Loop, () => done && server.Server.ConnectionCount == 0);
        Assert.False(server.Get(agent)); // nothing kept to resume: a full handshake, whose session is kept again
        Assert.True(server.Get(agent));
        server.Finish(agent);
    }

    [Fact]
    public void A_TLS12_session_without_a_ticket_is_not_kept_in_OpenSSLs_server_cache_and_one_with_a_ticket_resumes()
    {
        // Node's contexts turn OpenSSL's internal server cache off (SSL_SESS_CACHE_NO_INTERNAL): a client that takes
        // no ticket leaves nothing behind for five minutes; tickets still resume.
        var loop = new Loop();
        TlsServerOptions options = TlsEchoTests.ServerOptions();
        var server = Tls.CreateServer(loop, options, socket => socket.End());
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        string session = Path.Combine(Path.GetTempPath(), $"uvnet-tls12-session-{Guid.NewGuid():N}.pem");
        try
        {
            string connect = $"s_client -connect 127.0.0.1:{server.Port} -tls1_2";
            Assert.Contains("New, TLSv1.2", HttpsServerTests.RunTool(loop, "openssl", $"{connect} -no_ticket", "", mustSucceed: false).Output);
            Assert.Equal(0, OpenSsl.SSL_CTX_ctrl(options.Context.Handle, OpenSsl.SSL_CTRL_SESS_NUMBER, 0, 0));
            Assert.Contains("New, TLSv1.2", HttpsServerTests.RunTool(loop, "openssl", $"{connect} -sess_out {session}", "", mustSucceed: false).Output);
            Assert.Contains("Reused, TLSv1.2", HttpsServerTests.RunTool(loop, "openssl", $"{connect} -sess_in {session}", "", mustSucceed: false).Output);
        }
        finally
        {
            File.Delete(session);
        }
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void The_session_cache_drops_its_oldest_key_beyond_its_capacity_and_forgets_an_evicted_one()
    {
        var cache = new TlsSessionCache(2);
        var a = ("a", 1, s_trustTestCa);
        var b = ("b", 1, s_trustTestCa);
        var c = ("c", 1, s_trustTestCa);
        cache.Put(a, new SafeSslSessionHandle(), 0);
        cache.Put(b, new SafeSslSessionHandle(), 0);
        cache.Put(a, new SafeSslSessionHandle(), 0); // replaced: still the oldest key
        cache.Put(c, new SafeSslSessionHandle(), 0);
        Assert.Null(cache.Get(a));
        Assert.NotNull(cache.Get(b));
        Assert.NotNull(cache.Get(c));
        cache.Evict(b);
        cache.Put(a, new SafeSslSessionHandle(), 0); // room again: nothing else goes
        Assert.Equal(2, cache.Count);
        Assert.NotNull(cache.Get(c));
    }

    [Fact]
    public void MaxCachedSessions_below_zero_is_refused()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { MaxCachedSessions = -1 }));
        loop.Close();
    }

    [Fact]
    public void A_ticket_made_before_one_key_rotation_resumes_and_one_made_before_two_does_not()
    {
        var clock = new ManualClock();
        var options = Rotating(60_000, clock);
        var server = new ResumingServer(options);
        var sessions = new TlsSessionCache(10);
        Assert.False(server.Connect(sessions)); // full: its ticket is under key 1
        byte[] first = options.TicketKeys;
        clock.Advance(60_000);
        Assert.NotEqual(first, options.TicketKeys); // rotated: key 2 encrypts, key 1 still decrypts
        Assert.True(server.Connect(sessions)); // key 1's ticket resumes; the new ticket is under key 2
        clock.Advance(60_000);
        _ = options.TicketKeys; // rotated: key 3, key 2 decrypts
        clock.Advance(60_000);
        _ = options.TicketKeys; // rotated: key 4, key 3 decrypts; key 2 is gone
        Assert.False(server.Connect(sessions));
        Assert.True(server.Connect(sessions));
        server.Finish();
    }

    [Fact]
    public void A_server_idle_for_two_rotations_keeps_no_old_key()
    {
        var clock = new ManualClock();
        var options = Rotating(60_000, clock);
        var server = new ResumingServer(options);
        var sessions = new TlsSessionCache(10);
        server.Connect(sessions);
        clock.Advance(120_000);
        Assert.False(server.Connect(sessions));
        server.Finish();
    }

    [Fact]
    public void Without_rotation_the_ticket_key_never_changes()
    {
        var clock = new ManualClock();
        var options = Rotating(0, clock);
        var server = new ResumingServer(options);
        var sessions = new TlsSessionCache(10);
        server.Connect(sessions);
        byte[] keys = options.TicketKeys;
        clock.Advance(365L * 24 * 3600 * 1000);
        Assert.Equal(keys, options.TicketKeys);
        Assert.True(server.Connect(sessions));
        server.Finish();
    }

    [Fact]
    public void Servers_given_the_same_ticket_keys_resume_each_others_sessions_and_new_keys_end_the_old_tickets()
    {
        // Node's test-tls-ticket-cluster: the keys shared, a ticket of one server resumes on the other.
        byte[] keys = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        var a = new ResumingServer(new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost), TicketKeys = keys });
        var bOptions = new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost) };
        bOptions.TicketKeys = keys;
        var b = new TlsServerOn(a.Loop, bOptions);
        Assert.Equal(keys, bOptions.TicketKeys);
        var sessions = new TlsSessionCache(10);
        Assert.False(a.Connect(sessions));
        Assert.True(b.Connect(sessions));
        bOptions.TicketKeys = new byte[48]; // every older ticket ends
        Assert.False(b.Connect(sessions));
        b.Close();
        a.Finish();
    }

    /// <summary>A second server on the same loop, for the cluster test.</summary>
    private sealed class TlsServerOn
    {
        private readonly Loop _loop;
        private readonly TlsServer _server;

        internal TlsServerOn(Loop loop, TlsServerOptions options)
        {
            _loop = loop;
            _server = Tls.CreateServer(loop, options, s => s.Resume());
            _server.Listen(0, "127.0.0.1");
        }

        internal bool Connect(TlsSessionCache sessions) => ConnectResuming(_loop, _server.Port, sessions);

        internal void Close() => _server.Close();
    }

    [Fact]
    public void Ticket_keys_other_than_48_bytes_and_a_negative_rotation_are_refused()
    {
        var options = new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost) };
        byte[] before = options.TicketKeys;
        Assert.Equal(48, before.Length);
        Assert.Throws<ArgumentException>(() => options.TicketKeys = new byte[47]);
        Assert.Throws<ArgumentNullException>(() => options.TicketKeys = null!);
        Assert.Equal(before, options.TicketKeys);
        var loop = new Loop();
        Assert.Throws<ArgumentOutOfRangeException>(() => Tls.CreateServer(loop, new TlsServerOptions { Context = options.Context, TicketKeyRotation = -1 }));
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_server_that_rotates_its_ticket_keys_leaves_no_timer_on_the_loop_once_closed()
    {
        // The rotation is lazy (done when a ticket is made or read): nothing of it outlives the server.
        var options = new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost), TicketKeyRotation = 1 };
        var server = new ResumingServer(options);
        var sessions = new TlsSessionCache(10);
        server.Connect(sessions);
        server.Finish();
        Assert.Equal(48, options.TicketKeys.Length); // still readable (and rotated) with no server left
    }

    [Fact]
    public void Ticket_keys_set_from_another_thread_while_the_loop_runs_end_the_older_tickets()
    {
        var options = new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost) };
        var server = new ResumingServer(options);
        var sessions = new TlsSessionCache(10);
        server.Connect(sessions);
        Assert.True(server.Connect(sessions));
        byte[] keys = Enumerable.Repeat((byte)7, 48).ToArray();
        Assert.Equal([null], LoopDriver.ExceptionsOffTheLoop(server.Loop, () => options.TicketKeys = keys));
        Assert.Equal(keys, options.TicketKeys);
        Assert.False(server.Connect(sessions));
        Assert.True(server.Connect(sessions));
        server.Finish();
    }

    [Fact]
    public void The_ticket_keys_read_are_a_copy()
    {
        var options = new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost) };
        byte[] keys = options.TicketKeys;
        keys[0] ^= 0xff;
        Assert.NotEqual(keys, options.TicketKeys);
    }
}
