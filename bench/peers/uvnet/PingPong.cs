using System.Diagnostics;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Ping-pong, after bench/peers/libuv/pingpong.c (libuv's test/benchmark-ping-pongs.c) with the echo server on
/// the same loop: each of --conns clients writes "PING\n", waits for the echo, and writes again, for --seconds.
/// </summary>
/// <remarks>
/// As the libuv peer: the echo reads into 64 KiB buffers from a free list and writes the bytes back from the
/// buffer they were read into, the buffer's own write request returning it to the list; the pingers read into
/// one shared buffer (here the loop's default read buffer) and write "PING\n" with a fresh request (here one
/// from the loop's pool). Every callback is a delegate made once: nothing is allocated per event.
/// </remarks>
internal sealed class PingPong
{
    private static readonly ReadOnlyMemory<byte> s_ping = "PING\n"u8.ToArray();

    // libuv suggests 64 KiB per read; the echo reads that much into each buffer, as the libuv peer.
    private const int EchoBufferSize = StreamHandle.SuggestedReadSize;

    /// <summary>One ping-pong client: its connection, how much of "PING\n" the echo matched so far, its count.</summary>
    private sealed class Pinger
    {
        public TcpHandle Tcp = null!;
        public int State;
        public long Pongs;
    }

    /// <summary>An echo buffer and the write request that sends it back (libuv's echo_buf_t).</summary>
    private sealed class EchoBuffer
    {
        public readonly WriteRequest Request = new();
        // An ordinary array, as a user's: not allocated pinned, so the loop pins it when it reads or sends.
        public readonly byte[] Data = new byte[EchoBufferSize];
        public EchoBuffer? Next;

        public EchoBuffer() => Request.Data = this;
    }

    private readonly ConnectionCallback _onConnection;
    private readonly AllocCallback _echoAlloc;
    private readonly ReadCallback _echoRead;
    private readonly Action<WriteRequest, int> _echoWritten;
    private readonly Action<ConnectRequest, int> _pingerConnected;
    private readonly ReadCallback _pingerRead;

    private readonly Pinger[] _pingers;
    private EchoBuffer? _echoFree;
    // The buffer the last echo alloc lent: a stream's read callback follows its alloc callback at once.
    private EchoBuffer? _lent;
    private bool _stopping;
    private long _startTimestamp, _stopTimestamp;
    private SteadyState _steady = null!;

    private PingPong(int conns)
    {
        _pingers = new Pinger[conns];
        _onConnection = OnConnection;
        _echoAlloc = EchoAlloc;
        _echoRead = EchoRead;
        _echoWritten = EchoWritten;
        _pingerConnected = PingerConnected;
        _pingerRead = PingerRead;
    }

    public static int Run(PeerArgs args)
    {
        using var loop = new Loop();
        var game = new PingPong(args.Conns);
        TcpHandle server = Loopback.Listen(loop, game._onConnection);
        PeerOutput.Progress($"pingpong: {args.Conns} connection(s) for {args.Seconds} s on one loop");

        game._startTimestamp = Stopwatch.GetTimestamp();
        for (int i = 0; i < args.Conns; i++)
        {
            var pinger = new Pinger();
            pinger.Tcp = Loopback.Connect(loop, server, game._pingerConnected);
            pinger.Tcp.Data = pinger;
            game._pingers[i] = pinger;
        }
        var stop = new TimerHandle(loop);
        stop.Start(game.Stop, args.Seconds * 1000L);
        game._steady = SteadyState.Start(loop, game.Pongs);
        loop.Run();
        game._steady.Report("round trips");

        // The stop timer ends the measurement; what ran after it (closing) is not counted.
        long pongs = game.Pongs();
        double seconds = Stopwatch.GetElapsedTime(game._startTimestamp, game._stopTimestamp).TotalSeconds;
        return PeerOutput.Result(("roundtrips_per_sec", Math.Round(pongs / seconds)), ("conns", args.Conns));
    }

    private long Pongs()
    {
        long pongs = 0;
        foreach (Pinger p in _pingers)
            pongs += p.Pongs;
        return pongs;
    }

    private void OnConnection(StreamHandle listener, int status)
    {
        Loopback.Check(status, "connection");
        TcpHandle conn = Loopback.Accept(listener);
        Loopback.Check(conn.ReadStart(_echoAlloc, _echoRead), "read start (echo)");
    }

    private Memory<byte> EchoAlloc(StreamHandle stream, int suggestedSize)
    {
        EchoBuffer b = _echoFree ?? new EchoBuffer();
        _echoFree = b.Next;
        b.Next = null;
        _lent = b;
        return b.Data;
    }

    private void ReleaseEcho(EchoBuffer b)
    {
        b.Next = _echoFree;
        _echoFree = b;
    }

    private void EchoRead(StreamHandle stream, int nread, Memory<byte> buffer)
    {
        EchoBuffer b = _lent!;
        _lent = null;
        if (nread <= 0)
        {
            ReleaseEcho(b);
            if (nread < 0 && !stream.IsClosing)
                stream.Close();
            return;
        }
        ReadOnlyMemory<byte> echo = buffer[..nread];
        Loopback.Check(stream.Write(b.Request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in echo), _echoWritten), "write (echo)");
    }

    // Status is ECANCELED when the stop closed the connection first: the buffer goes back all the same.
    private void EchoWritten(WriteRequest request, int status) => ReleaseEcho((EchoBuffer)request.Data!);

    private void PingerConnected(ConnectRequest request, int status)
    {
        Loopback.Check(status, "connect");
        StreamHandle tcp = request.Stream!;
        WritePing(tcp);
        // The loop's default read buffer, as the libuv peer's one static buffer: safe to share, since a read
        // callback consumes its bytes before returning.
        Loopback.Check(tcp.ReadStart(_pingerRead), "read start (ping)");
    }

    // A request from the loop's pool, back in it after the write (libuv's peer mallocs one and frees it).
    private static void WritePing(StreamHandle tcp) => Loopback.Check(tcp.Write(s_ping), "write (ping)");

    private void PingerRead(StreamHandle stream, int nread, Memory<byte> buffer)
    {
        if (nread < 0)
        {
            if (!stream.IsClosing)
                stream.Close();
            return;
        }
        var p = (Pinger)stream.Data!;
        ReadOnlySpan<byte> ping = s_ping.Span;
        foreach (byte b in buffer.Span[..nread])
        {
            if (b != ping[p.State])
            {
                PeerOutput.Progress("pingpong: unexpected byte in the echo");
                Environment.Exit(1);
            }
            p.State = (p.State + 1) % ping.Length;
            if (p.State == 0)
            {
                p.Pongs++;
                if (!_stopping)
                    WritePing(stream);
            }
        }
    }

    private void Stop(TimerHandle timer)
    {
        _stopping = true;
        _stopTimestamp = Stopwatch.GetTimestamp();
        _steady.Stop(Pongs());
        Handles.CloseAll(timer.Loop);
    }
}
