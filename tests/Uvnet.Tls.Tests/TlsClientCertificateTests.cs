using System.Net.Security;
using TcpClient = System.Net.Sockets.TcpClient;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>
/// Client certificates (Node's test-tls-client-verify, test-tls-peer-certificate, test-tls-server-verify): a server
/// that requests, requires and verifies them against a CA bundle, and a client that sends one.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsClientCertificateTests
{
    private static TlsServerOptions Requiring(bool reject = true, X509Certificate2Collection? ca = null, string? caFile = null) => new()
    {
        Context = SecureContext.FromCertificate(TestCertificates.Localhost),
        RequestCert = true,
        RejectUnauthorized = reject,
        CaCertificates = caFile is null ? ca ?? TestCertificates.CaCollection : ca,
        CaFile = caFile,
    };

    private static TlsClientOptions WithCertificate(X509Certificate2? certificate) => new()
    {
        CaCertificates = TestCertificates.CaCollection,
        ClientCertificate = certificate,
    };

    [Fact]
    public void A_required_client_certificate_signed_by_the_CA_is_authorized_and_readable_on_both_sides()
    {
        var f = new TlsFixture(options: Requiring());
        var (error, client) = f.Run(WithCertificate(TestCertificates.Client));
        Assert.Null(error);
        Assert.Empty(f.ClientErrors);
        TlsConnection server = f.Secure.Single().GetTlsConnection()!;
        Assert.True(server.Authorized);
        Assert.Null(server.AuthorizationError);
        Assert.Equal("CN=client", server.GetPeerCertificate()!.Subject);
        Assert.Same(server.GetPeerCertificate(), server.GetPeerCertificate());
        Assert.Equal("CN=localhost", client.GetTlsConnection()!.GetPeerCertificate()!.Subject); // read after the close
        f.Finish();
    }

    [Fact]
    public void A_client_without_a_certificate_fails_the_handshake_of_a_server_that_requires_one()
    {
        var f = new TlsFixture(options: Requiring());
        var (error, _) = f.Run(WithCertificate(null));
        Assert.NotNull(error); // the server's alert: certificate required
        Assert.StartsWith("ERR_SSL_", error!.Code);
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.StartsWith("ERR_SSL_", f.ClientErrors[0].Code);
        Assert.Empty(f.Secure);
        f.Finish();
    }

    [Fact]
    public void A_client_certificate_the_CA_did_not_sign_is_a_TlsClientError_with_the_verification_code()
    {
        var f = new TlsFixture(options: Requiring());
        var (error, _) = f.Run(WithCertificate(TestCertificates.SelfSignedClient));
        Assert.NotNull(error);
        LoopDriver.RunUntil(f.Loop, () => f.ClientErrors.Count == 1);
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT", f.ClientErrors[0].Code);
        Assert.Empty(f.Secure);
        f.Finish();
    }

    [Fact]
    public void Without_RejectUnauthorized_an_unverified_or_missing_client_certificate_is_let_in_with_its_authorizationError()
    {
        var f = new TlsFixture(options: Requiring(reject: false));
        Assert.Null(f.Run(WithCertificate(TestCertificates.SelfSignedClient)).Error);
        Assert.Null(f.Run(WithCertificate(null)).Error);
        Assert.Null(f.Run(WithCertificate(TestCertificates.Client)).Error);
        Assert.Empty(f.ClientErrors);
        TlsConnection[] server = [.. f.Secure.Select(s => s.GetTlsConnection()!)];
        Assert.Equal([false, false, true], server.Select(c => c.Authorized));
        Assert.Equal(["DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT", null], server.Select(c => c.AuthorizationError));
        Assert.Equal(["CN=stranger", null, "CN=client"], server.Select(c => c.GetPeerCertificate()?.Subject));
        f.Finish();
    }

    /// <summary>
    /// Client certificates out of their validity period, or for servers only (no clientAuth usage), are refused with
    /// their verification code, and reported with it when not required (Node's test-tls-client-verify codes); and a CA
    /// file replaces the roots: a client signed by a CA outside it is refused.
    /// </summary>
    [Fact]
    public void Expired_not_yet_valid_and_server_only_client_certificates_and_ones_outside_the_CA_file_are_refused_with_their_code()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2[] certificates =
        [
            TestCertificates.Leaf("client", [], [], now.AddDays(-30), now.AddDays(-1), clientAuth: true),
            TestCertificates.Leaf("client", [], [], now.AddDays(1), now.AddDays(30), clientAuth: true),
            TestCertificates.Leaf("client", [], [], clientAuth: false),
        ];
        string[] codes = ["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "INVALID_PURPOSE"];
        var required = new TlsFixture(options: Requiring());
        foreach (X509Certificate2 certificate in certificates)
            Assert.NotNull(required.Run(WithCertificate(certificate)).Error);
        LoopDriver.RunUntil(required.Loop, () => required.ClientErrors.Count == 3);
        Assert.Equal(codes, required.ClientErrors.Select(e => e.Code));
        Assert.Empty(required.Secure);
        required.Finish();
        var requested = new TlsFixture(options: Requiring(reject: false));
        foreach (X509Certificate2 certificate in certificates)
            Assert.Null(requested.Run(WithCertificate(certificate)).Error);
        Assert.Equal(codes, requested.Secure.Select(s => s.GetTlsConnection()!.AuthorizationError));
        requested.Finish();
        // A CA file of another issuer only (the stranger's self-signed certificate): the test CA's client is not trusted.
        string otherCa = Path.GetTempFileName();
        File.WriteAllText(otherCa, TestCertificates.SelfSignedClient.ExportCertificatePem() + "\n");
        var strangers = new TlsFixture(options: Requiring(caFile: otherCa));
        Assert.NotNull(strangers.Run(WithCertificate(TestCertificates.Client)).Error);
        LoopDriver.RunUntil(strangers.Loop, () => strangers.ClientErrors.Count == 1);
        Assert.Equal("SELF_SIGNED_CERT_IN_CHAIN", strangers.ClientErrors[0].Code); // the client sends its chain up to its own trusted CA
        strangers.Finish();
        File.Delete(otherCa);
    }

    /// <summary>
    /// A TLS 1.3 ticket of a client that sent no certificate records "verified" (nothing was verified), and a resumed
    /// session carries no certificate: the resumed connection is no more authorized than the full handshake was. (Node
    /// reports such a connection authorized, its allowance for TLS 1.3 PSK, which Uvnet does not offer.)
    /// </summary>
    [Fact]
    public void A_client_without_a_certificate_is_not_authorized_when_it_resumes_its_session()
    {
        var f = new TlsFixture(options: Requiring(reject: false));
        var sessions = new TlsSessionCache(10);
        TlsClientOptions[] clients = [WithCertificate(null), WithCertificate(TestCertificates.SelfSignedClient), WithCertificate(TestCertificates.Client)];
        foreach (TlsClientOptions client in clients)
            Assert.Equal([false, true], new[] { TlsSessionTests.ConnectResuming(f.Loop, f.Server.Port, sessions, client), TlsSessionTests.ConnectResuming(f.Loop, f.Server.Port, sessions, client) });
        LoopDriver.RunUntil(f.Loop, () => f.Secure.Count == 6);
        Assert.Empty(f.ClientErrors);
        TlsConnection[] server = [.. f.Secure.Select(s => s.GetTlsConnection()!)];
        Assert.Equal([false, false, false, false, true, true], server.Select(c => c.Authorized));
        Assert.Equal(["UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT", "DEPTH_ZERO_SELF_SIGNED_CERT", "DEPTH_ZERO_SELF_SIGNED_CERT", null, null],
            server.Select(c => c.AuthorizationError));
        Assert.Equal([null, null, "CN=stranger", "CN=stranger", "CN=client", "CN=client"], server.Select(c => c.GetPeerCertificate()?.Subject));
        sessions.Clear();
        f.Finish();
    }

    /// <summary>
    /// Servers given the same ticket keys (Node's test-tls-ticket-cluster) but other client certificate settings: a
    /// ticket of the one that does not require a certificate must not let a client without one into the one that
    /// does (a resumption skips the certificate request), so each setting resumes only its own sessions, as nginx
    /// puts its client CA into the session id context.
    /// </summary>
    [Fact]
    public void A_ticket_of_a_server_that_requires_no_certificate_does_not_resume_on_one_with_the_same_keys_that_does()
    {
        byte[] keys = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        TlsServerOptions open = new() { Context = SecureContext.FromCertificate(TestCertificates.Localhost) }, lax = Requiring(reject: false);
        foreach (TlsServerOptions first in new[] { open, lax })
        {
            TlsServerOptions strict = Requiring();
            first.TicketKeys = keys;
            strict.TicketKeys = keys;
            var a = new TlsFixture(options: first);
            var b = new TlsFixture(options: strict);
            var sessions = new TlsSessionCache(10);
            TlsClientOptions client = WithCertificate(null);
            Assert.False(TlsSessionTests.ConnectResuming(a.Loop, a.Server.Port, sessions, client));
            Assert.True(TlsSessionTests.ConnectResuming(a.Loop, a.Server.Port, sessions, client)); // its ticket is good there
            Assert.False(TlsSessionTests.ConnectResuming(b.Loop, b.Server.Port, sessions, client));
            LoopDriver.RunUntil(b.Loop, () => b.ClientErrors.Count == 1);
            Assert.Empty(b.Secure);
            sessions.Clear();
            a.Finish();
            b.Finish();
        }
        // The same settings still resume each other's tickets.
        TlsServerOptions one = Requiring(reject: false), other = Requiring(reject: false);
        one.TicketKeys = keys;
        other.TicketKeys = keys;
        var x = new TlsFixture(options: one);
        var y = new TlsFixture(options: other);
        var shared = new TlsSessionCache(10);
        TlsClientOptions certified = WithCertificate(TestCertificates.Client);
        Assert.False(TlsSessionTests.ConnectResuming(x.Loop, x.Server.Port, shared, certified));
        Assert.True(TlsSessionTests.ConnectResuming(y.Loop, y.Server.Port, shared, certified));
        shared.Clear();
        x.Finish();
        y.Finish();
    }

    [Fact]
    public void A_server_that_does_not_request_a_certificate_gets_none_and_reports_nothing_authorized()
    {
        var f = new TlsFixture();
        Assert.Null(f.Run(WithCertificate(TestCertificates.Client)).Error);
        TlsConnection server = f.Secure.Single().GetTlsConnection()!;
        Assert.False(server.Authorized); // Node: authorized is false unless requestCert
        Assert.Null(server.AuthorizationError);
        Assert.Null(server.GetPeerCertificate());
        f.Finish();
    }

    /// <summary>
    /// A server requesting client certificates with a context for example.test, and a client of
    /// <paramref name="certificate"/> that asks for that name: SNI switches the connection's context, which replaces
    /// its certificate settings, the verification store with them. The client's error, and the server's connection.
    /// </summary>
    private static (NetException? Error, TlsConnection? Server, TlsFixture Fixture) ConnectThroughSni(bool reject, X509Certificate2 certificate)
    {
        var f = new TlsFixture(options: new TlsServerOptions
        {
            Context = SecureContext.FromCertificate(TestCertificates.Localhost),
            SniContexts = new Dictionary<string, SecureContext>
            {
                ["example.test"] = SecureContext.FromCertificate(TestCertificates.Leaf("example.test", ["example.test"], [])),
            },
            RequestCert = true,
            RejectUnauthorized = reject,
            CaCertificates = TestCertificates.CaCollection,
        });
        var client = Tls.Connect(f.Loop, f.Server.Port, "127.0.0.1", new TlsClientOptions
        {
            ServerName = "example.test",
            CaCertificates = TestCertificates.CaCollection,
            ClientCertificate = certificate,
        }, s => s.End());
        bool closed = false;
        NetException? error = null;
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        client.Resume();
        LoopDriver.RunUntil(f.Loop, () => closed);
        Assert.Empty(f.ClientErrors);
        return (error, f.Secure.SingleOrDefault()?.GetTlsConnection(), f);
    }

    [Fact]
    public void The_client_certificate_is_verified_on_a_connection_whose_SNI_switched_the_context()
    {
        var (error, server, f) = ConnectThroughSni(reject: true, TestCertificates.Client);
        Assert.Null(error);
        Assert.True(server!.Authorized);
        Assert.Equal("example.test", server.ServerName);
        f.Finish();
    }

    [Fact]
    public void A_client_certificate_requested_but_not_required_is_still_let_in_after_an_SNI_switch()
    {
        // The switch must not bring back the default verification (which fails the handshake): the connection keeps
        // its accept-any callback, and reports what verification found.
        var (error, server, f) = ConnectThroughSni(reject: false, TestCertificates.SelfSignedClient);
        Assert.Null(error);
        Assert.False(server!.Authorized);
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT", server.AuthorizationError);
        Assert.Equal("example.test", server.ServerName);
        f.Finish();
    }

    [Fact]
    public async Task An_SslStream_client_with_a_certificate_is_verified_against_a_PEM_CA_file()
    {
        var f = new TlsFixture(options: Requiring(caFile: TestCertificates.WriteCaPem()));
        int port = f.Server.Port;
        Task<string> peer = Task.Run(async () =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            using var ssl = new SslStream(tcp.GetStream());
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [TestCertificates.Client],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            await ssl.WriteAsync("from SslStream"u8.ToArray());
            byte[] buffer = new byte[64];
            int n = await ssl.ReadAsync(buffer);
            return Encoding.UTF8.GetString(buffer, 0, n);
        });
        // The peer's close (after its read) is the last thing the loop sees; its task ends just after, off the loop.
        LoopDriver.RunUntil(f.Loop, () => f.Secure is [{ Destroyed: true }] || f.ClientErrors.Count > 0);
        Assert.Equal("from SslStream", await peer.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(f.Secure.Single().GetTlsConnection()!.Authorized);
        Assert.Equal("CN=client", f.Secure.Single().GetTlsConnection()!.GetPeerCertificate()!.Subject);
        f.Finish();
    }

    [Fact]
    public void Client_certificate_options_are_checked_before_anything_starts()
    {
        var loop = new Loop();
        using var publicOnly = X509CertificateLoader.LoadCertificate(TestCertificates.Client.RawData);
        Assert.Throws<ArgumentException>(() => Tls.Connect(loop, 1, "localhost", new TlsClientOptions { ClientCertificate = publicOnly }));
        Assert.Throws<ArgumentException>(() => Tls.Connect(loop, 1, "localhost", new TlsClientOptions { ClientCertificateChain = TestCertificates.CaCollection }));
        string missing = Path.Combine(Path.GetTempPath(), "uvnet-no-such-ca.pem");
        Assert.Throws<ArgumentException>(() => Tls.CreateServer(loop, Requiring(caFile: missing))); // as documented, not FileNotFoundException
        string empty = Path.GetTempFileName();
        Assert.Throws<ArgumentException>(() => Tls.CreateServer(loop, Requiring(caFile: empty)));
        File.Delete(empty);
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}
