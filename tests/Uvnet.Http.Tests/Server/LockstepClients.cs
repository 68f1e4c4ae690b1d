using System.Net.Sockets;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// Many client connections on blocking sockets, driven from the loop's thread between its turns: a connection sends its
/// next request once its response has come, so the next poll finds every connection readable and one turn answers
/// them all (the load of many keep-alive clients at once, without threads to race the loop). Their calls allocate
/// nothing, so the allocation tests count only the server's.
/// </summary>
internal abstract class LockstepClients : IDisposable
{
    // Connections made before the loop accepts them: fewer than its listen queue holds (511).
    private const int AcceptedAtOnce = 128;

    private readonly List<Socket> _sockets = [];
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _answered;

    protected LockstepClients(ServerFixture fixture, int count)
    {
        while (_sockets.Count < count)
        {
            for (int i = 0; i < AcceptedAtOnce && _sockets.Count < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                _sockets.Add(socket);
                socket.Connect(System.Net.IPAddress.Loopback, fixture.Port); // the listen queue holds it until accepted
            }
            LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == _sockets.Count);
        }
    }

    private void Start()
    {
        for (int i = 0; i < _sockets.Count; i++)
            SendFirst(i, _sockets[i]);
    }

    /// <summary>Takes what came, sends each answered connection its next request, and returns the responses so far.</summary>
    private int Exchange()
    {
        for (int i = 0; i < _sockets.Count; i++)
        {
            Socket socket = _sockets[i];
            if (socket.Available == 0)
                continue;
            // A response comes whole: the server writes it in one write, and the loopback delivers that at once.
            int n = socket.Receive(_buffer);
            if (TakeResponse(i, socket, _buffer.AsSpan(0, n)))
            {
                _answered++;
                SendNext(i, socket);
            }
        }
        return _answered;
    }

    /// <summary>A server answering /plaintext with "Hello, World!" and no Date (its string, new each second, would be counted).</summary>
    internal static ServerFixture StartPlaintextServer() => ServerFixture.Start(static (_, res) =>
    {
        res.SendDate = false;
        res.SetHeader("Content-Type", "text/plain");
        res.End("Hello, World!"u8);
    });

    /// <summary>
    /// Sends every connection its first request and, once each has had <paramref name="turns"/> answers (the warm-up:
    /// pools, JIT tiers), asserts that as many more allocate nothing on the loop's thread.
    /// </summary>
    internal void AssertNoAllocationPerRequest(Loop loop, int turns = 20)
    {
        int measured = turns * _sockets.Count;
        Start();
        LoopDriver.RunUntil(loop, () => Exchange() >= measured);
        long allocated = LoopDriver.LeastAllocated(loop, Exchange, measured);
        Assert.True(allocated == 0, $"{allocated / (double)measured} bytes per request");
    }

    /// <summary>Sends connection <paramref name="index"/>'s first bytes and request.</summary>
    protected abstract void SendFirst(int index, Socket socket);

    /// <summary>Reads what came on connection <paramref name="index"/>: whether its response is complete.</summary>
    protected abstract bool TakeResponse(int index, Socket socket, ReadOnlySpan<byte> received);

    /// <summary>Sends connection <paramref name="index"/>'s next request.</summary>
    protected abstract void SendNext(int index, Socket socket);

    public void Dispose()
    {
        foreach (Socket socket in _sockets)
            socket.Dispose();
    }
}

/// <summary>HTTP/1.1 keep-alive GETs of /plaintext, one at a time per connection; each body ends with '!'.</summary>
internal sealed class LockstepHttp1Clients(ServerFixture fixture, int count) : LockstepClients(fixture, count)
{
    private static readonly byte[] s_request = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();

    protected override void SendFirst(int index, Socket socket) => socket.Send(s_request);

    protected override bool TakeResponse(int index, Socket socket, ReadOnlySpan<byte> received) => received.Contains((byte)'!');

    protected override void SendNext(int index, Socket socket) => socket.Send(s_request);
}
