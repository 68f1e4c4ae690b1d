using System.Net;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>
/// The client verifies the chain and the name by default (Node's test-tls-check-server-identity,
/// test-tls-client-reject, test-https-strict): each failure is Node's code, and nothing hangs.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsClientVerificationTests
{
    private static NetException? ConnectTo(System.Security.Cryptography.X509Certificates.X509Certificate2 cert, string host, TlsClientOptions options, out TlsConnection? connection)
    {
        var loop = new Loop();
        var server = Tls.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(cert) }, s => s.End());
        server.Listen(0, "127.0.0.1");
        NetException? error = null;
        bool closed = false;
        var client = Tls.Connect(loop, server.Port, host, options);
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        client.Resume();
        LoopDriver.RunUntil(loop, () => closed);
        connection = client.GetTlsConnection();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
        return error;
    }

    private static TlsClientOptions TrustCa => new() { CaCertificates = TestCertificates.CaCollection };

    [Fact]
    public void A_certificate_for_another_host_fails_with_ERR_TLS_CERT_ALTNAME_INVALID()
    {
        var other = TestCertificates.Leaf("example.test", ["example.test"], []);
        NetException? error = ConnectTo(other, "localhost", TrustCa, out _);
        Assert.Equal("ERR_TLS_CERT_ALTNAME_INVALID", error?.Code);
    }

    /// <summary>
    /// An empty server name sends no SNI but is no leave to skip the host name check: the host connected to is checked,
    /// as Node's <c>servername || host</c> (test-tls-check-server-identity).
    /// </summary>
    [Fact]
    public void An_empty_ServerName_checks_the_host_connected_to()
    {
        var other = TestCertificates.Leaf("example.test", ["example.test"], []);
        var emptyName = new TlsClientOptions { CaCertificates = TestCertificates.CaCollection, ServerName = "" };
        NetException? error = ConnectTo(other, "localhost", emptyName, out _);
        Assert.Equal("ERR_TLS_CERT_ALTNAME_INVALID", error?.Code);
        Assert.Null(ConnectTo(TestCertificates.Localhost, "localhost", emptyName, out TlsConnection? connection));
        Assert.Null(connection!.ServerName); // no SNI sent
    }

    [Fact]
    public void An_address_not_in_the_IP_SANs_fails_with_ERR_TLS_CERT_ALTNAME_INVALID()
    {
        var other = TestCertificates.Leaf("localhost", ["localhost"], [IPAddress.Parse("10.1.2.3")]);
        NetException? error = ConnectTo(other, "127.0.0.1", TrustCa, out _);
        Assert.Equal("ERR_TLS_CERT_ALTNAME_INVALID", error?.Code);
    }

    [Fact]
    public void An_expired_certificate_fails_with_CERT_HAS_EXPIRED()
    {
        NetException? error = ConnectTo(TestCertificates.Expired, "localhost", TrustCa, out _);
        Assert.Equal("CERT_HAS_EXPIRED", error?.Code);
    }

    [Fact]
    public void A_self_signed_certificate_fails_with_DEPTH_ZERO_SELF_SIGNED_CERT()
    {
        NetException? error = ConnectTo(TestCertificates.SelfSigned, "localhost", TrustCa, out _);
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT", error?.Code);
    }

    [Fact]
    public void A_chain_the_system_store_does_not_trust_fails_by_default()
    {
        NetException? error = ConnectTo(TestCertificates.Localhost, "localhost", new TlsClientOptions(), out _);
        Assert.Equal("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", error?.Code);
    }

    [Fact]
    public void DangerousAcceptAnyServerCertificate_connects_and_reports_what_verification_found()
    {
        NetException? error = ConnectTo(TestCertificates.SelfSigned, "localhost", new TlsClientOptions { DangerousAcceptAnyServerCertificate = true }, out var connection);
        Assert.Null(error);
        Assert.True(connection!.IsEstablished);
        Assert.False(connection.Authorized);
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT", connection.AuthorizationError);
    }

    [Fact]
    public void A_trusted_certificate_for_the_address_verifies()
    {
        NetException? error = ConnectTo(TestCertificates.Localhost, "127.0.0.1", TrustCa, out var connection);
        Assert.Null(error);
        Assert.True(connection!.Authorized);
        Assert.Null(connection.ServerName); // no SNI for an address (RFC 6066 §3)
    }
}
