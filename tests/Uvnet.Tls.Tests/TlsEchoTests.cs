using System.Text;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>A TLS server and a TLS client on one loop (Node's test-tls-echo-server / test-tls-connect-simple).</summary>
[Collection(nameof(Sequential))]
public sealed class TlsEchoTests
{
    internal static TlsServerOptions ServerOptions(long handshakeTimeout = 120_000) => new()
    {
        Context = SecureContext.FromCertificate(TestCertificates.Localhost),
        HandshakeTimeout = handshakeTimeout,
    };

    internal static TlsClientOptions ClientOptions(string[]? alpn = null) => new()
    {
        CaCertificates = TestCertificates.CaCollection,
        AlpnProtocols = alpn,
    };

    [Fact]
    public void A_client_and_server_on_one_loop_handshake_and_echo()
    {
        var loop = new Loop();
        var server = Tls.CreateServer(loop, ServerOptions(), socket =>
        {
            socket.Data += (s, data) => s.Write(data.ToArray());
            socket.Ended += s => s.End();
        });
        server.Listen(0, "127.0.0.1");
        var received = new StringBuilder();
        bool secure = false, closed = false;
        TlsConnection? info = null;
        var client = Tls.Connect(loop, server.Port, "localhost", ClientOptions(["http/1.1"]), s =>
        {
            secure = true;
            info = s.GetTlsConnection();
        });
        client.Write("hello, before the handshake"); // held until it is done
        client.Data += (_, data) =>
        {
            received.Append(Encoding.UTF8.GetString(data));
            if (received.Length == "hello, before the handshake".Length)
                client.End();
        };
        NetException? failure = null;
        client.Error += (_, e) => failure = e;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Null(failure);
        Assert.True(secure);
        Assert.Equal("hello, before the handshake", received.ToString());
        Assert.NotNull(info);
        Assert.True(info!.Authorized);
        Assert.Equal("TLSv1.3", info.Protocol);
        Assert.Equal("http/1.1", info.AlpnProtocol);
        Assert.Equal("localhost", info.ServerName);
        Assert.False(info.Truncated, "truncated");
        Assert.True(info.ReceivedCloseNotify); // the server's end() sent close_notify
        Assert.False(info.Truncated);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}

[CollectionDefinition(nameof(Sequential), DisableParallelization = true)]
public sealed class Sequential;
