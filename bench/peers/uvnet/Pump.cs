using System.Diagnostics;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Pump, after bench/peers/libuv/pump.c (libuv's test/benchmark-pump.c) with both ends on one loop: one side
/// writes 64 KiB chunks (one write in flight per connection, the next started from the write callback), the
/// other reads and counts. pump-up: the clients write; pump-down: the server writes.
/// </summary>
/// <remarks>
/// As the libuv peer: every writer sends the same 64 KiB chunk, each write with a fresh request (here one from
/// the loop's pool, where the libuv peer mallocs one); the sinks read into one shared buffer (here the loop's
/// default read buffer, 64 KiB as the libuv peer's). Every callback is a delegate made once.
/// </remarks>
internal sealed class Pump
{
    // The issue's chunk size; also libuv's suggested read size, so one read can take one chunk.
    private const int ChunkSize = 65536;

    private static readonly ReadOnlyMemory<byte> s_chunk = CreateChunk();

    private readonly ConnectionCallback _onConnection;
    private readonly Action<ConnectRequest, int> _clientConnected;
    private readonly Action<WriteRequest, int> _chunkWritten;
    private readonly ReadCallback _sinkRead;

    private readonly bool _clientsWrite;
    private readonly TcpHandle[] _clients;
    private readonly TcpHandle[] _accepted;
    private int _connectedCount, _acceptedCount;
    private bool _stopping;
    private long _received;
    private long _firstByteTimestamp, _stopTimestamp;
    private long _reads;
    private SteadyState _steady = null!;

    private Pump(int conns, bool clientsWrite)
    {
        _clientsWrite = clientsWrite;
        _clients = new TcpHandle[conns];
        _accepted = new TcpHandle[conns];
        _onConnection = OnConnection;
        _clientConnected = ClientConnected;
        _chunkWritten = ChunkWritten;
        _sinkRead = SinkRead;
    }

    private static ReadOnlyMemory<byte> CreateChunk()
    {
        // An ordinary array, as a user's: not allocated pinned, so the loop pins it when it sends.
        byte[] chunk = new byte[ChunkSize];
        chunk.AsSpan().Fill((byte)'x');
        return chunk;
    }

    public static int Run(PeerArgs args, bool up)
    {
        using var loop = new Loop();
        var pump = new Pump(args.Conns, clientsWrite: up);
        TcpHandle server = Loopback.Listen(loop, pump._onConnection);
        for (int i = 0; i < args.Conns; i++)
            pump._clients[i] = Loopback.Connect(loop, server, pump._clientConnected);
        var stop = new TimerHandle(loop);
        stop.Start(pump.Stop, args.Seconds * 1000L);
        pump._steady = SteadyState.Start(loop, () => pump._reads);
        loop.Run();
        pump._steady.Report("reads");

        // Measured from the first byte the sink saw to the stop timer.
        double bytesPerSecond = pump._received > 0
            ? pump._received / Stopwatch.GetElapsedTime(pump._firstByteTimestamp, pump._stopTimestamp).TotalSeconds
            : 0;
        return PeerOutput.Result(("bytes_per_sec", Math.Round(bytesPerSecond)), ("conns", args.Conns));
    }

    private void WriteChunk(StreamHandle stream) => Loopback.Check(stream.Write(s_chunk, _chunkWritten), "write");

    private void ChunkWritten(WriteRequest request, int status)
    {
        if (status == 0 && !_stopping)
            WriteChunk(request.Stream!);
    }

    private void SinkRead(StreamHandle stream, int nread, Memory<byte> buffer)
    {
        if (nread < 0)
        {
            if (!stream.IsClosing)
                stream.Close();
            return;
        }
        if (_received == 0 && nread > 0)
            _firstByteTimestamp = Stopwatch.GetTimestamp();
        _received += nread;
        _reads++;
    }

    /// <summary>Both ends exist once every client connected and every connection was accepted.</summary>
    private void StartWhenAllConnected()
    {
        if (_connectedCount < _clients.Length || _acceptedCount < _clients.Length)
            return;
        PeerOutput.Progress($"pump: {_clients.Length} connection(s), {(_clientsWrite ? "clients write" : "server writes")}");
        for (int i = 0; i < _clients.Length; i++)
        {
            TcpHandle writer = _clientsWrite ? _clients[i] : _accepted[i];
            TcpHandle sink = _clientsWrite ? _accepted[i] : _clients[i];
            // The loop's default read buffer, as the libuv peer's one static buffer: the bytes are only counted.
            Loopback.Check(sink.ReadStart(_sinkRead), "read start");
            WriteChunk(writer);
        }
    }

    private void OnConnection(StreamHandle listener, int status)
    {
        Loopback.Check(status, "connection");
        _accepted[_acceptedCount++] = Loopback.Accept(listener);
        StartWhenAllConnected();
    }

    private void ClientConnected(ConnectRequest request, int status)
    {
        Loopback.Check(status, "connect");
        _connectedCount++;
        StartWhenAllConnected();
    }

    private void Stop(TimerHandle timer)
    {
        _stopping = true;
        _stopTimestamp = Stopwatch.GetTimestamp();
        _steady.Stop(_reads);
        Handles.CloseAll(timer.Loop);
    }
}
