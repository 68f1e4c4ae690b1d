using System.Buffers;
using Uvnet.Net;

namespace Uvnet.Server.Commands;

/// <summary>
/// One echo connection: writes back each chunk it reads, from a pooled copy (the read buffer is the loop's,
/// lent for the duration of the event), and pauses reading while the peer does not take what it is sent.
/// </summary>
internal sealed class EchoConnection
{
    private readonly Socket _socket;
    // Writes complete in order, so the oldest copy in flight is the one each completion releases.
    private readonly Queue<byte[]> _inFlight = new();
    private readonly Action<NetException?> _onWritten;

    public EchoConnection(Socket socket, Action<EchoConnection> onClosed)
    {
        _socket = socket;
        _onWritten = _ => ArrayPool<byte>.Shared.Return(_inFlight.Dequeue());
        socket.Data += OnData;
        // Backpressure: Write returned false (more than the high-water mark buffered) paused reading; resume on drain.
        socket.Drain += static s => s.Resume();
        socket.Closed += (_, _) => onClosed(this);
    }

    /// <summary>Whether reading is paused until the peer takes what it was sent.</summary>
    public bool IsPaused => _socket.IsPaused;

    /// <summary>Ends our side once what was read is echoed; the connection closes when the peer ends too.</summary>
    public void End() => _socket.End();

    /// <summary>Closes the connection now.</summary>
    public void Destroy() => _socket.Destroy();

    private void OnData(Socket socket, ReadOnlySpan<byte> data)
    {
        if (socket.WritableEnded)
            return; // stopping: what arrives after our end is dropped
        byte[] copy = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(copy);
        _inFlight.Enqueue(copy);
        if (!socket.Write(copy.AsMemory(0, data.Length), _onWritten))
            socket.Pause();
    }
}
