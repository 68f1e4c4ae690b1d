using System.Text;
using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>An echoing TLS server on its own loop, with what it saw (secure sockets, TlsClientError), and its checks.</summary>
internal sealed class TlsFixture
{
    internal readonly Loop Loop = new();
    internal readonly TlsServer Server;
    internal readonly List<NetException> ClientErrors = [];
    internal readonly List<Socket> Secure = [];

    internal TlsFixture(long handshakeTimeout = 120_000, TlsServerOptions? options = null)
    {
        Server = Tls.CreateServer(Loop, options ?? TlsEchoTests.ServerOptions(handshakeTimeout), socket =>
        {
            Secure.Add(socket);
            socket.Data += (s, data) => s.Write(data.ToArray());
        });
        Server.TlsClientError += (e, _) => ClientErrors.Add(e);
        Server.Listen(0, "127.0.0.1");
    }

    /// <summary>A raw TCP client that sends <paramref name="bytes"/>, for peers that do not speak TLS properly.</summary>
    internal Socket Raw(byte[] bytes)
    {
        var raw = Net.Net.CreateConnection(Loop, Server.Port, "127.0.0.1");
        raw.Error += (_, _) => { };
        raw.Resume();
        raw.Write(bytes);
        return raw;
    }

    /// <summary>
    /// The SSL objects of the connections that failed were freed while the server runs (not when it closes): only
    /// the secure connections still open hold one.
    /// </summary>
    internal void AssertFailedConnectionsFreed() =>
        LoopDriver.RunUntil(Loop, () => Tls.LiveSessionCount == Secure.Count(s => !s.Destroyed));

    /// <summary>A proper client still gets its echo: the server survived.</summary>
    internal void AssertStillServes()
    {
        string got = "";
        var client = Tls.Connect(Loop, Server.Port, "localhost", TlsEchoTests.ClientOptions());
        client.Write("still here");
        client.Data += (s, d) =>
        {
            got += Encoding.UTF8.GetString(d);
            if (got == "still here")
                s.End();
        };
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(Loop, () => closed);
        Assert.Equal("still here", got);
    }

    /// <summary>Connects a client with <paramref name="options"/>, says hello and ends; the error it saw, if any.</summary>
    internal (NetException? Error, Socket Client) Run(TlsClientOptions options)
    {
        NetException? error = null;
        bool closed = false;
        var client = Tls.Connect(Loop, Server.Port, "localhost", options);
        client.Error += (_, e) => error = e;
        client.Closed += (_, _) => closed = true;
        client.Resume();
        client.End("hello");
        LoopDriver.RunUntil(Loop, () => closed);
        return (error, client);
    }

    internal void Finish()
    {
        foreach (Socket s in Secure)
            s.Destroy();
        Server.Close();
        LoopDriver.AssertNothingLeft(Loop);
        TlsLeaks.AssertNone();
    }
}
