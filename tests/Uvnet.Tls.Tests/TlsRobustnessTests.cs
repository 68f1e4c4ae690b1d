using System.Text;
using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls.Tests;

/// <summary>
/// Hostile and broken peers (issue 19's list; Node's test-tls-handshake-error, test-tls-handshake-timeout,
/// test-tls-junk-closes-server, test-tls-close-notify, test-tls-socket-close): each costs the server one
/// connection, reported through TlsClientError, and the server goes on serving others.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsRobustnessTests
{
    [Fact]
    public void Garbage_instead_of_a_ClientHello_is_a_TlsClientError_and_the_server_goes_on()
    {
        var f = new TlsFixture();
        var raw = f.Raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        bool closed = false;
        raw.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.ClientErrors.Count == 1);
        Assert.StartsWith("ERR_SSL_", f.ClientErrors[0].Code);
        f.AssertFailedConnectionsFreed();
        f.AssertStillServes();
        f.Finish();
    }

    [Fact]
    public void A_ClientHello_cut_in_half_then_a_stall_is_cut_by_the_handshake_timeout()
    {
        var f = new TlsFixture(handshakeTimeout: 300);
        // A handshake record header announcing 512 bytes, and only 100 of them.
        byte[] half = new byte[105];
        half[0] = 22; half[1] = 3; half[2] = 1; half[3] = 2; half[4] = 0;
        half[5] = 1; // client_hello
        var raw = f.Raw(half);
        bool closed = false;
        raw.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.ClientErrors.Count == 1);
        Assert.Equal("ERR_TLS_HANDSHAKE_TIMEOUT", f.ClientErrors[0].Code);
        f.AssertFailedConnectionsFreed();
        f.AssertStillServes();
        f.Finish();
    }

    [Fact]
    public void A_reset_mid_record_is_a_TlsClientError_and_the_server_goes_on()
    {
        var f = new TlsFixture();
        byte[] partial = [22, 3, 1, 2, 0, 1, 0, 1, 252, 3, 3];
        var raw = f.Raw(partial);
        raw.Write(Array.Empty<byte>(), _ => raw.ResetAndDestroy()); // once the partial record left
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.Equal("ECONNRESET", f.ClientErrors[0].Code);
        f.AssertFailedConnectionsFreed();
        f.AssertStillServes();
        f.Finish();
    }

    [Fact]
    public void An_oversized_record_is_answered_with_a_fatal_alert_and_a_close_and_the_server_goes_on()
    {
        // A handshake record announcing 18,500 bytes: above the 16,384 + 2,048 bytes of ciphertext a TLS record may
        // hold (RFC 5246 §6.2.3; TLS 1.3 allows less), so the record is refused from its header, before its body is
        // buffered, with record_overflow (Node's test-tls-max-send-fragment, the peer's side).
        var f = new TlsFixture();
        const int announced = 18_500;
        byte[] header = [22, 3, 1, announced >> 8, announced & 0xff, 1, 0, 0, 0];
        var raw = f.Raw(header);
        var received = new List<byte>();
        bool closed = false;
        raw.Data += (_, d) => received.AddRange(d.ToArray());
        raw.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.ClientErrors.Count == 1);
        Assert.StartsWith("ERR_SSL_", f.ClientErrors[0].Code);
        // An alert record (21), fatal (2), record_overflow (22).
        Assert.True(received.Count >= 7, $"no alert: {received.Count} bytes");
        Assert.Equal([21, 2, 22], [received[0], received[5], received[6]]);
        f.AssertFailedConnectionsFreed();
        f.AssertStillServes();
        f.Finish();
    }

    [Fact]
    public async Task An_oversized_record_on_a_secure_connection_is_answered_with_an_alert_before_the_close()
    {
        // Node's TLSWrap::ClearOut flushes the alert OpenSSL wrote for a bad record before the socket is destroyed
        // ("When TLS Alert are stored in wbio, it should be flushed to socket before destroyed"). TLS 1.2, so that
        // nothing else (TLS 1.3's tickets) follows the handshake: what the peer reads next is the alert.
        var f = new TlsFixture();
        int port = f.Server.Port;
        Task<byte[]> peer = Task.Run(async () =>
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            System.Net.Sockets.NetworkStream raw = tcp.GetStream();
            using var ssl = new System.Net.Security.SslStream(raw, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            const int announced = 18_500;
            await raw.WriteAsync(new byte[] { 23, 3, 3, announced >> 8, announced & 0xff, 0, 0, 0 });
            var received = new List<byte>();
            byte[] buffer = new byte[256];
            for (int n; (n = await raw.ReadAsync(buffer)) > 0;)
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            return received.ToArray();
        });
        LoopDriver.RunUntil(f.Loop, () => f.Secure is [{ Destroyed: true }] || peer.IsFaulted);
        byte[] got = await peer.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(got.Length >= 5, $"closed without an alert ({got.Length} bytes)");
        Assert.Equal(21, got[0]); // an alert record (encrypted: its level and description are not readable here)
        f.AssertFailedConnectionsFreed();
        f.AssertStillServes();
        f.Finish();
    }

    [Fact]
    public void A_peer_that_closes_before_the_handshake_ends_is_ECONNRESET_as_in_Node()
    {
        var f = new TlsFixture();
        var raw = f.Raw([22, 3, 1]);
        raw.End();
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.Equal("ECONNRESET", f.ClientErrors[0].Code);
        f.Finish();
    }

    [Fact]
    public void The_server_receives_close_notify_from_a_client_that_ends()
    {
        var f = new TlsFixture();
        var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions(), s => s.End());
        client.Resume();
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && f.Secure.Count == 1 && f.Secure[0].Destroyed);
        Assert.True(f.Secure[0].GetTlsConnection()!.ReceivedCloseNotify);
        Assert.False(f.Secure[0].GetTlsConnection()!.Truncated);
        Assert.True(client.GetTlsConnection()!.ReceivedCloseNotify); // and the server's came back
        f.Finish();
    }

    [Fact]
    public void A_peer_that_closes_without_close_notify_ends_the_socket_and_is_reported_as_truncated()
    {
        var loop = new Loop();
        // The server destroys each connection once secure: TCP FIN, no close_notify.
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s => s.Write("partial body", _ => s.Destroy()));
        server.Listen(0, "127.0.0.1");
        string got = "";
        bool ended = false, closed = false;
        NetException? error = null;
        var client = Tls.Connect(loop, server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Data += (_, d) => got += Encoding.UTF8.GetString(d);
        client.Ended += _ => ended = true;
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal("partial body", got);
        Assert.True(ended); // as Node: an end, not an error
        Assert.Null(error);
        Assert.True(client.GetTlsConnection()!.Truncated);
        Assert.False(client.GetTlsConnection()!.ReceivedCloseNotify);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void End_before_the_handshake_finishes_sends_the_held_writes_then_close_notify()
    {
        var f = new TlsFixture();
        string got = "";
        var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Data += (_, d) => got += Encoding.UTF8.GetString(d);
        client.End("written and ended before secure");
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed);
        Assert.Equal("written and ended before secure", got);
        f.Finish();
    }

    [Fact]
    public void Destroy_during_the_handshake_cancels_held_writes_and_frees_the_session()
    {
        var f = new TlsFixture();
        var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions());
        NetException? writeError = null;
        bool called = false;
        client.Write("never sent", e => { called = true; writeError = e; });
        client.Connected += s => s.Destroy(); // TCP up, hello sent, handshake not done
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(f.Loop, () => closed && called);
        Assert.NotNull(writeError);
        f.Finish();
    }

    [Fact]
    public void SNI_picks_the_certificate_of_the_name_the_client_sends_and_the_default_otherwise()
    {
        var options = new TlsServerOptions
        {
            Context = SecureContext.FromCertificate(TestCertificates.Localhost),
            SniContexts = new Dictionary<string, SecureContext>
            {
                ["example.test"] = SecureContext.FromCertificate(TestCertificates.Leaf("example.test", ["example.test"], [])),
                ["*.wild.test"] = SecureContext.FromCertificate(TestCertificates.Leaf("a.wild.test", ["*.wild.test"], [])),
            },
        };
        var f = new TlsFixture(options: options);
        foreach (string name in new[] { "example.test", "a.wild.test", "localhost" })
        {
            var client = Tls.Connect(f.Loop, f.Server.Port, "127.0.0.1", new TlsClientOptions { ServerName = name, CaCertificates = TestCertificates.CaCollection }, s => s.End());
            NetException? error = null;
            bool closed = false;
            client.Error += (_, e) => error = e;
            client.Closed += (_, _) => closed = true;
            client.Resume();
            LoopDriver.RunUntil(f.Loop, () => closed);
            Assert.Null(error); // verified against the name: the server sent that name's certificate
            Assert.True(client.GetTlsConnection()!.Authorized);
        }
        Assert.Equal(["example.test", "a.wild.test", "localhost"], f.Secure.Select(s => s.GetTlsConnection()!.ServerName));
        f.Finish();
    }

    [Fact]
    public void A_server_name_too_long_for_SNI_is_not_sent_and_leaves_no_OpenSSL_error_queued()
    {
        // OpenSSL refuses an SNI name over 255 bytes and queues an error on the calling thread; Node ignores the
        // refusal (its setServername) and connects without SNI. Left on the loop thread's queue, the error would be
        // read by the next SSL_get_error there, on whichever connection calls it next.
        var f = new TlsFixture();
        var longName = new TlsClientOptions { ServerName = new string('a', 300), DangerousAcceptAnyServerCertificate = true };
        bool secure = false, closed = false;
        var client = Tls.Connect(f.Loop, f.Server.Port, "127.0.0.1", longName, s =>
        {
            secure = true;
            s.End();
        });
        Assert.Equal(0ul, OpenSsl.ERR_peek_error());
        client.Closed += (_, _) => closed = true;
        client.Resume();
        LoopDriver.RunUntil(f.Loop, () => closed);
        Assert.True(secure);
        Assert.Null(client.GetTlsConnection()!.ServerName);
        Assert.Null(f.Secure.Single().GetTlsConnection()!.ServerName); // no SNI reached the server
        f.Finish();
        TlsLeaks.AssertNone();
    }

    /// <summary>A caller's SNI table that answers once (the server's validation) and throws ever after.</summary>
    private sealed class OnceReadableTable(IReadOnlyDictionary<string, SecureContext> inner) : IReadOnlyDictionary<string, SecureContext>
    {
        private int _reads;

        private IReadOnlyDictionary<string, SecureContext> Inner => ++_reads == 1 ? inner : throw new CallbackException();

        public SecureContext this[string key] => Inner[key];
        public IEnumerable<string> Keys => Inner.Keys;
        public IEnumerable<SecureContext> Values => Inner.Values;
        public int Count => Inner.Count;
        public bool ContainsKey(string key) => Inner.ContainsKey(key);
        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SecureContext value) => Inner.TryGetValue(key, out value);
        public IEnumerator<KeyValuePair<string, SecureContext>> GetEnumerator() => Inner.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static NetException? ConnectWithName(TlsFixture f, string name)
    {
        NetException? error = null;
        bool closed = false;
        var client = Tls.Connect(f.Loop, f.Server.Port, "127.0.0.1", new TlsClientOptions { ServerName = name, CaCertificates = TestCertificates.CaCollection }, s => s.End());
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        client.Resume();
        LoopDriver.RunUntil(f.Loop, () => closed);
        return error;
    }

    [Fact]
    public void The_SNI_table_is_read_when_the_server_is_made_so_no_caller_code_runs_inside_OpenSSLs_callback()
    {
        // An exception thrown inside OpenSSL's SNI callback cannot unwind through native code: it ended the process.
        var table = new OnceReadableTable(new Dictionary<string, SecureContext>
        {
            ["example.test"] = SecureContext.FromCertificate(TestCertificates.Leaf("example.test", ["example.test"], [])),
        });
        var f = new TlsFixture(options: new TlsServerOptions { Context = SecureContext.FromCertificate(TestCertificates.Localhost), SniContexts = table });
        Assert.Null(ConnectWithName(f, "example.test"));
        Assert.Equal("example.test", f.Secure.Single().GetTlsConnection()!.ServerName);
        f.Finish();
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void An_SNI_context_disposed_while_the_server_runs_fails_that_handshake_and_the_server_goes_on()
    {
        var disposed = SecureContext.FromCertificate(TestCertificates.Leaf("example.test", ["example.test"], []));
        var f = new TlsFixture(options: new TlsServerOptions
        {
            Context = SecureContext.FromCertificate(TestCertificates.Localhost),
            SniContexts = new Dictionary<string, SecureContext> { ["example.test"] = disposed },
        });
        disposed.Dispose();
        Assert.NotNull(ConnectWithName(f, "example.test"));
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.StartsWith("ERR_SSL_", f.ClientErrors[0].Code);
        f.AssertStillServes();
        f.Finish();
        TlsLeaks.AssertNone();
    }

    [Fact]
    public void ALPN_settles_on_the_servers_first_protocol_the_client_offers_and_none_without_one_in_common()
    {
        var f = new TlsFixture();
        foreach (var (offer, expected) in new (string[]?, string?)[] { (["h2", "http/1.1"], "http/1.1"), (["h2"], null), (null, null) })
        {
            TlsConnection? info = null;
            var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions(offer), s => { info = s.GetTlsConnection(); s.End(); });
            bool closed = false;
            client.Closed += (_, _) => closed = true;
            client.Resume();
            LoopDriver.RunUntil(f.Loop, () => closed);
            Assert.Equal(expected, info!.AlpnProtocol);
        }
        f.Finish();
    }

    [Fact]
    public void A_thousand_handshake_and_close_cycles_leak_no_descriptor_and_no_SSL_object()
    {
        var f = new TlsFixture();
        int before = Directory.GetFiles("/proc/self/fd").Length;
        int done = 0;
        for (int i = 0; i < 1000; i++)
        {
            var client = Tls.Connect(f.Loop, f.Server.Port, "localhost", TlsEchoTests.ClientOptions(), s => s.End());
            client.Resume();
            client.Closed += (_, _) => done++;
            if (i % 50 == 49)
                LoopDriver.RunUntil(f.Loop, () => done == i + 1);
        }
        LoopDriver.RunUntil(f.Loop, () => done == 1000 && f.Secure.All(s => s.Destroyed));
        f.Secure.Clear();
        f.Finish();
        TlsLeaks.AssertNone();
        Assert.True(Directory.GetFiles("/proc/self/fd").Length <= before, "descriptors leaked");
    }
}

/// <summary>A Data handler that throws (the exception leaves Run): the records OpenSSL already holds still come after.</summary>
[Collection(nameof(Sequential))]
public sealed class TlsThrowingHandlerTests
{
    [Fact]
    public void Records_decrypted_behind_a_throwing_Data_handler_are_delivered_when_the_loop_runs_again()
    {
        var loop = new Loop();
        byte[] payload = new byte[20_000]; // two records: 16,384 and 3,616 bytes, read as two pieces
        Uvnet.Net.Socket? accepted = null;
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s =>
        {
            accepted = s;
            s.Write(payload);
        });
        server.Listen(0, "127.0.0.1");
        int got = 0, pieces = 0;
        var client = Tls.Connect(loop, server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Data += (_, d) =>
        {
            got += d.Length;
            if (++pieces == 1)
                throw new CallbackException();
        };
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => got == payload.Length));
        LoopDriver.RunUntil(loop, () => got == payload.Length);
        Assert.True(pieces >= 2);
        client.Destroy();
        accepted!.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}
