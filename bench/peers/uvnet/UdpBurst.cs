using System.Diagnostics;
using System.Net;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Queued sends: one client sends a burst of --conns datagrams of --size bytes with <see cref="UdpHandle.Send(ReadOnlyMemory{byte}, IPEndPoint?, Action{UdpSendRequest, int}?)"/>
/// (a Node program sending in a loop), a server on the same loop counts them, and the next burst goes when the whole
/// burst has arrived, for --seconds. The first send of a burst goes at once, the others wait for the socket's writable
/// event and go together: the workload for sendmmsg (Uvnet only; bench/README.md).
/// </summary>
internal sealed class UdpBurst
{
    // ECANCELED: the stop closed the client with sends still queued.
    private readonly Action<UdpSendRequest, int> _sent = static (_, status) =>
        Loopback.Check(status == UvError.ECANCELED ? 0 : Math.Min(status, 0), "send");
    private readonly UdpRecvCallback _serverReceive;
    private readonly ReadOnlyMemory<byte> _payload;
    private readonly int _burst;
    private UdpHandle _client = null!;
    private IPEndPoint _server = null!;
    private long _received;
    private bool _stopping;
    private long _startTimestamp, _stopTimestamp;
    private SteadyState _steady = null!;

    private UdpBurst(int burst, int size)
    {
        _burst = burst;
        _payload = new byte[size];
        _serverReceive = ServerReceive;
    }

    public static int Run(PeerArgs args)
    {
        using var loop = new Loop();
        var burst = new UdpBurst(args.Conns, args.Size);
        var server = new UdpHandle(loop);
        Loopback.Check(server.Bind(new IPEndPoint(IPAddress.Loopback, 0)), "bind");
        Loopback.Check(server.ReceiveStart(burst._serverReceive), "receive start");
        burst._server = server.LocalEndPoint!;
        burst._client = new UdpHandle(loop);
        Loopback.Check(burst._client.Bind(new IPEndPoint(IPAddress.Loopback, 0)), "bind");
        PeerOutput.Progress($"udp-burst: bursts of {args.Conns} queued sends, {args.Size} B datagrams, for {args.Seconds} s on one loop");

        burst._startTimestamp = Stopwatch.GetTimestamp();
        burst.SendBurst();
        var stop = new TimerHandle(loop);
        stop.Start(burst.Stop, args.Seconds * 1000L);
        burst._steady = SteadyState.Start(loop, () => burst._received);
        loop.Run();
        burst._steady.Report("datagrams");

        double seconds = Stopwatch.GetElapsedTime(burst._startTimestamp, burst._stopTimestamp).TotalSeconds;
        return PeerOutput.Result(("datagrams_per_sec", Math.Round(burst._received / seconds)), ("conns", args.Conns), ("size", args.Size));
    }

    private void SendBurst()
    {
        for (int i = 0; i < _burst; i++)
            Loopback.Check(_client.Send(_payload, _server, _sent), "send");
    }

    private void ServerReceive(UdpHandle udp, int nread, Memory<byte> buffer, IPEndPoint? sender, UdpRecvFlags flags)
    {
        Loopback.Check(Math.Min(nread, 0), "receive (server)");
        if (sender is null)
            return;
        if (++_received % _burst == 0 && !_stopping)
            SendBurst();
    }

    private void Stop(TimerHandle timer)
    {
        _stopping = true;
        _stopTimestamp = Stopwatch.GetTimestamp();
        _steady.Stop(_received);
        Handles.CloseAll(timer.Loop);
    }
}
