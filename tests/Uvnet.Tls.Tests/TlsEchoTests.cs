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

    /// <summary>
    /// Small writes go to the kernel at once while it takes them, then, once the socket is full, queue behind what it
    /// did not take (a part of a record, or all of it): a reader that was paused meanwhile gets every byte, in order.
    /// </summary>
    [Fact]
    public void Small_writes_into_a_socket_that_fills_arrive_whole_and_in_order()
    {
        const int Chunks = 4000, ChunkSize = 1500; // 6 MB: more than loopback's socket buffers take unread
        var loop = new Loop();
        int completed = 0;
        Net.Socket? sender = null;
        var server = Tls.CreateServer(loop, ServerOptions(), socket =>
        {
            sender = socket;
            for (int i = 0; i < Chunks; i++)
            {
                var chunk = new byte[ChunkSize];
                chunk.AsSpan().Fill((byte)(i % 251));
                socket.Write(chunk, _ => completed++);
            }
            socket.End();
        });
        server.Listen(0, "127.0.0.1");
        var received = new MemoryStream();
        bool ended = false;
        var client = Tls.Connect(loop, server.Port, "localhost", ClientOptions(), s => s.Pause());
        client.Data += (_, data) => received.Write(data);
        client.Ended += _ => ended = true;
        LoopDriver.RunUntil(loop, () => sender is not null);
        Assert.True(sender!.WritableLength > 0, "the socket took everything: nothing was queued behind a full socket");
        client.Resume();
        LoopDriver.RunUntil(loop, () => ended, 60);
        Assert.Equal(Chunks, completed);
        byte[] bytes = received.ToArray();
        Assert.Equal(Chunks * ChunkSize, bytes.Length);
        for (int i = 0; i < Chunks; i++)
            Assert.True(bytes.AsSpan(i * ChunkSize, ChunkSize).IndexOfAnyExcept((byte)(i % 251)) < 0, $"chunk {i} is not whole or out of order");
        client.End();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}

[CollectionDefinition(nameof(Sequential), DisableParallelization = true)]
public sealed class Sequential;
