using System.Diagnostics;
using System.Net;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// UDP echo, after bench/peers/libuv/udpecho.c (libuv's test/benchmark-ping-udp.c) with the echo server on the same
/// loop: each of --conns client sockets sends one --size byte datagram to the server, which sends it back; the client
/// sends the next when the echo arrives, for --seconds.
/// </summary>
/// <remarks>
/// As the libuv peer: every socket receives into one shared buffer (here the loop's default one), and the clients
/// send at once with <see cref="UdpHandle.TrySend"/>, queuing a copy (a request from the loop's pool) only when the
/// socket is full. The server answers with <see cref="UdpHandle.Send(UdpSendRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, IPEndPoint?, Action{UdpSendRequest, int}?)"/>
/// from a copy of each datagram instead (a request of its own, reused): the replies to one wakeup's datagrams then
/// leave together by one sendmmsg, where the libuv peer's uv_udp_try_send makes a sendmsg for each. Every callback is
/// a delegate made once: nothing is allocated per datagram.
/// </remarks>
internal sealed class UdpEcho
{
    private sealed class Client
    {
        public UdpHandle Udp = null!;
        public long Echoes;
    }

    private readonly UdpRecvCallback _serverReceive;
    private readonly UdpRecvCallback _clientReceive;
    private readonly Action<UdpSendRequest, int> _copySent = static (_, _) => { };
    private readonly Action<UdpSendRequest, int> _replySent;
    private readonly Stack<UdpSendRequest> _idleReplies = new();
    private readonly Client[] _clients;
    private readonly byte[] _payload;
    private IPEndPoint _server = null!;
    private bool _stopping;
    private long _startTimestamp, _stopTimestamp;
    private double _startCpuMs, _stopCpuMs;
    private SteadyState _steady = null!;

    private UdpEcho(int conns, int size)
    {
        _clients = new Client[conns];
        _payload = new byte[size];
        _serverReceive = ServerReceive;
        _clientReceive = ClientReceive;
        _replySent = (request, _) => _idleReplies.Push(request); // ECANCELED for those the stop's close finds queued
    }

    public static int Run(PeerArgs args)
    {
        using var loop = new Loop();
        var echo = new UdpEcho(args.Conns, args.Size);
        UdpHandle server = BindLoopback(loop, echo._serverReceive);
        echo._server = server.LocalEndPoint!;
        PeerOutput.Progress($"udp-echo: {args.Conns} client(s), {args.Size} B datagrams, for {args.Seconds} s on one loop");

        echo._startTimestamp = Stopwatch.GetTimestamp();
        echo._startCpuMs = ProcessStats.CpuMs();
        for (int i = 0; i < args.Conns; i++)
        {
            var client = new Client { Udp = BindLoopback(loop, echo._clientReceive) };
            client.Udp.Data = client;
            echo._clients[i] = client;
            echo.Send(client.Udp, echo._payload, echo._server);
        }
        var stop = new TimerHandle(loop);
        stop.Start(echo.Stop, args.Seconds * 1000L);
        echo._steady = SteadyState.Start(loop, echo.Echoes);
        loop.Run();
        echo._steady.Report("echoes");

        // The stop timer ends the measurement; what ran after it (closing) is not counted, nor what ran before the
        // start, the runtime's own start-up (cpu_ms: the process's CPU time over the same window, every thread's).
        double seconds = Stopwatch.GetElapsedTime(echo._startTimestamp, echo._stopTimestamp).TotalSeconds;
        return PeerOutput.Result(("datagrams_per_sec", Math.Round(echo.Echoes() / seconds)), ("conns", args.Conns), ("size", args.Size),
            ("cpu_ms", echo._stopCpuMs - echo._startCpuMs));
    }

    private static UdpHandle BindLoopback(Loop loop, UdpRecvCallback receive)
    {
        var udp = new UdpHandle(loop);
        Loopback.Check(udp.Bind(new IPEndPoint(IPAddress.Loopback, 0)), "bind");
        // The loop's default buffer, as the libuv peer's one static buffer: safe to share, since a receive callback
        // sends (or copies) its bytes before returning.
        Loopback.Check(udp.ReceiveStart(receive), "receive start");
        return udp;
    }

    private long Echoes()
    {
        long echoes = 0;
        foreach (Client c in _clients)
            echoes += c.Echoes;
        return echoes;
    }

    /// <summary>Sends one datagram now, or queues a copy when the socket is full.</summary>
    private void Send(UdpHandle udp, ReadOnlySpan<byte> data, IPEndPoint to)
    {
        int status = udp.TrySend(data, to);
        if (status >= 0)
            return;
        if (status != UvError.EAGAIN)
            Loopback.Check(status, "try send");
        Loopback.Check(udp.Send(data.ToArray(), to, _copySent), "send");
    }

    private void ServerReceive(UdpHandle udp, int nread, Memory<byte> buffer, IPEndPoint? sender, UdpRecvFlags flags)
    {
        Loopback.Check(Math.Min(nread, 0), "receive (server)");
        if (sender is not null)
            Reply(udp, buffer.Span[..nread], sender);
    }

    /// <summary>Sends a copy of <paramref name="datagram"/> back: the receive buffer is the loop's, reused once the callback returns.</summary>
    private void Reply(UdpHandle udp, ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        if (!_idleReplies.TryPop(out UdpSendRequest? request))
            request = new UdpSendRequest();
        if (request.Data is not byte[] copy || copy.Length < datagram.Length)
            request.Data = copy = new byte[datagram.Length];
        datagram.CopyTo(copy);
        ReadOnlyMemory<byte> reply = copy.AsMemory(0, datagram.Length);
        Loopback.Check(udp.Send(request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in reply), to, _replySent), "send (server)");
    }

    private void ClientReceive(UdpHandle udp, int nread, Memory<byte> buffer, IPEndPoint? sender, UdpRecvFlags flags)
    {
        Loopback.Check(Math.Min(nread, 0), "receive (client)");
        if (sender is null)
            return;
        ((Client)udp.Data!).Echoes++;
        if (!_stopping)
            Send(udp, _payload, _server);
    }

    private void Stop(TimerHandle timer)
    {
        _stopping = true;
        _stopTimestamp = Stopwatch.GetTimestamp();
        _stopCpuMs = ProcessStats.CpuMs();
        _steady.Stop(Echoes());
        Handles.CloseAll(timer.Loop);
    }
}
