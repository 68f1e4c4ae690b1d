namespace Uvnet.Tls.Tests;

/// <summary>
/// The server picks the cipher by its own order (testssl.sh rated the client's choice "Has server cipher order? no
/// (NOT ok)"), AES-GCM first, yet gives ChaCha20 to a client that lists it first (OpenSSL's PRIORITIZE_CHACHA: clients
/// without AES hardware), in TLS 1.2 and 1.3. openssl s_client is the client, its cipher order set on its command line.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsCipherOrderTests
{
    [Theory]
    [InlineData("-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256")]
    [InlineData("-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256")]
    [InlineData("-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    [InlineData("-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256")]
    public void The_server_chooses_the_cipher_by_its_own_order_unless_the_client_prefers_chacha(string clientCiphers, string chosen)
    {
        var loop = new Loop();
        string? cipher = null;
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), socket =>
        {
            cipher = socket.GetTlsConnection()!.Cipher;
            socket.End();
        });
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        HttpsServerTests.RunTool(loop, "openssl", $"s_client -connect 127.0.0.1:{server.Port} {clientCiphers}", "", mustSucceed: false);
        Assert.Equal(chosen, cipher);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}
