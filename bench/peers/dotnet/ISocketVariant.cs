using System.Net.Sockets;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// One way of driving .NET sockets. The workloads (<see cref="PingPongRun"/>, <see cref="PumpRun"/>) own the
/// setup, the clock and the result; a variant only starts the per-connection loops, which run until the
/// stop signal is set or the socket is closed.
/// </summary>
internal interface ISocketVariant
{
    /// <summary>Echoes whatever arrives back to the sender.</summary>
    void StartEcho(Socket socket);

    /// <summary>Writes "PING\n", waits for the echo, and repeats until <paramref name="stop"/>.</summary>
    void StartPinger(Socket socket, Pinger pinger, StopSignal stop);

    /// <summary>Writes <see cref="PumpRun.Chunk"/> with one write in flight, the next once it completes, until <paramref name="stop"/>.</summary>
    void StartWriter(Socket socket, StopSignal stop);

    /// <summary>Reads and counts until the socket closes.</summary>
    void StartSink(Socket socket, ByteCounter counter);
}
