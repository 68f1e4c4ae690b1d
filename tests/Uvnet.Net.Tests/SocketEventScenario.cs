namespace Uvnet.Net.Tests;

/// <summary>
/// Makes one kind of event happen on a client socket with a test's handler attached, and logs every event the
/// client raises. Left alone, each scenario ends with both sides closed: the server's side ends the connection
/// (for Drain and WriteCallback once it has read the client's write; for Timeout the client ends it), so a socket a misbehaving handler left half-torn
/// shows as a close that never comes.
/// </summary>
internal sealed class SocketEventScenario
{
    /// <summary>The kinds of event (and one-time callbacks) a scenario can make happen.</summary>
    internal static readonly string[] Kinds =
        ["Lookup", "Connected", "ConnectCallback", "Data", "Ended", "Finish", "EndCallback", "Drain", "WriteCallback", "Timeout", "Error", "Closed"];

    private SocketEventScenario(Loop loop, Server server, Socket client)
    {
        Loop = loop;
        Server = server;
        Client = client;
    }

    internal Loop Loop { get; }

    internal Server Server { get; }

    internal Socket Client { get; }

    /// <summary>Every event of the client in order: "lookup", "connect", "data", "end", "finish", "drain", "timeout", "error CODE", "close HADERROR".</summary>
    internal List<string> Log { get; } = [];

    /// <summary>How many times the test's handler ran.</summary>
    internal int HandlerRuns { get; private set; }

    /// <summary>The client's socket ("socket:[N]") once it has one, for the leak check.</summary>
    internal string? ClientSocket { get; private set; }

    internal bool ClientClosed => Log.Exists(e => e.StartsWith("close", StringComparison.Ordinal));

    /// <summary>Starts a scenario: <paramref name="handler"/> runs inside the client's event of <paramref name="kind"/>.</summary>
    internal static SocketEventScenario Start(string kind, Action<Socket> handler)
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, peer =>
        {
            peer.Resume(); // drops what the client sends, as Node's tests' socket.resume(): unread bytes would hold its end
            if (kind is "Data")
            {
                peer.End("hello"u8.ToArray());
            }
            else if (kind is "Drain" or "WriteCallback")
            {
                // Not the client: Drain is never raised once the client has ended (Node's afterWrite).
                long read = 0;
                peer.Data += (p, data) =>
                {
                    if ((read += data.Length) == MuchBytes)
                        p.End();
                };
            }
            else if (kind is not "Timeout")
            {
                peer.End();
            }
        });
        var client = new Socket(loop, new SocketOptions { AllowHalfOpen = kind == "EndCallback" });
        var scenario = new SocketEventScenario(loop, server, client);
        scenario.LogEvents();
        void Handle(Socket s)
        {
            scenario.HandlerRuns++;
            handler(s);
        }

        Action? onConnected = null;
        switch (kind)
        {
            case "Lookup": client.Lookup += (s, _) => Handle(s); break;
            case "Connected": client.Connected += Handle; break;
            case "ConnectCallback": onConnected = () => Handle(client); break;
            case "Data": client.Data += (s, _) => Handle(s); break;
            case "Ended": client.Ended += Handle; break;
            case "Finish": client.Finish += Handle; break;
            case "EndCallback": client.Ended += s => s.End(callback: () => Handle(s)); break;
            case "Drain":
                client.Drain += Handle;
                onConnected = () => WriteMuch(client, null);
                break;
            case "WriteCallback": onConnected = () => WriteMuch(client, _ => Handle(client)); break;
            case "Timeout":
                client.Timeout += Handle;
                onConnected = () => client.SetTimeout(1);
                break;
            case "Error": client.Error += (s, _) => Handle(s); break;
            case "Closed": client.Closed += (s, _) => Handle(s); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        if (kind == "Error")
            client.Connect(ClosedPorts.Next().Port, "127.0.0.1");
        else
            client.Connect(server.Port, kind == "Lookup" ? "localhost" : "127.0.0.1", onConnected);
        if (client.Handle is { } handle)
            scenario.ClientSocket = SocketDescriptors.Identify(handle.FileDescriptor);
        return scenario;
    }

    /// <summary>Drives the loop until the client has closed and the server has no connection left.</summary>
    internal void RunUntilClosed() => LoopDriver.RunUntil(Loop, () => ClientClosed && Server.ConnectionCount == 0);

    /// <summary>
    /// The clean ending: the client closed once, with nothing after it; its socket is released; the server counts no
    /// connection and closes with its Closed event.
    /// </summary>
    internal void AssertClosedCleanly(bool hadError)
    {
        Assert.Single(Log, e => e.StartsWith("close", StringComparison.Ordinal));
        Assert.Equal($"close {hadError}", Log[^1]);
        Assert.True(Client.Destroyed);
        if (ClientSocket is not null)
            Assert.False(SocketDescriptors.IsOpen(ClientSocket));
        bool serverClosed = false;
        Server.Closed += _ => serverClosed = true;
        Server.Close();
        LoopDriver.RunUntil(Loop, () => serverClosed);
        LoopDriver.CloseLoop(Loop);
    }

    private void LogEvents()
    {
        Client.Lookup += (_, _) => Log.Add("lookup");
        Client.Connected += _ => Log.Add("connect");
        Client.Data += (_, _) => Log.Add("data");
        Client.Ended += _ => Log.Add("end");
        Client.Finish += _ => Log.Add("finish");
        Client.Drain += _ => Log.Add("drain");
        Client.Timeout += _ => Log.Add("timeout");
        Client.Error += (_, e) => Log.Add($"error {e.Code}");
        Client.Closed += (_, hadError) => Log.Add($"close {hadError}");
    }

    private const int MuchBytes = 1024 * 1024;

    /// <summary>More than the high-water mark, so Drain follows; the server's side ends once it has read it all.</summary>
    private static void WriteMuch(Socket client, Action<NetException?>? callback) =>
        Assert.False(client.Write(new byte[MuchBytes], callback));
}
