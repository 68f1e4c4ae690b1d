namespace Uvnet.Net;

/// <summary>
/// A byte transform between a <see cref="Socket"/> and its stream handle, as Node's TLSWrap sits between the JS
/// socket and the TCP handle: the socket's reads, writes and shutdown pass through it, everything else (close,
/// endpoints, ref, events, backpressure) stays the socket's. The only implementation is TLS (Uvnet.Tls); Net itself
/// knows nothing of it. Every member runs on the loop thread.
/// <para>
/// Backpressure counts what the transform queued (<see cref="WriteQueueSize"/>), which may be more than it was given.
/// Bytes it queues on the handle on its own, outside <see cref="Write"/> and <see cref="SendFile"/> (writes it held,
/// its own records), it reports with <see cref="Socket.OnTransformQueued"/>; and the completion of a handle write of
/// its own (which completes no socket write) with <see cref="Socket.OnTransformWritten"/>: the socket owes and raises
/// Drain by them.
/// </para>
/// </summary>
internal abstract class SocketTransform
{
    /// <summary>
    /// A read from the handle, as the handle's read callback has it (bytes in <paramref name="buffer"/>, 0, EOF or an
    /// error). What it decodes goes to <see cref="Socket.DeliverRead"/>; the buffer is the loop's shared one, free
    /// to reuse once its bytes were taken.
    /// </summary>
    internal abstract void OnRead(int nread, Memory<byte> buffer);

    /// <summary>
    /// Writes <paramref name="buffers"/> (lent until <see cref="Socket.CompleteWrite"/> runs for
    /// <paramref name="callbacks"/>, exactly once, never inside this call). Returns 0, or a negative status when the
    /// write cannot start (then nothing completes).
    /// </summary>
    internal abstract int Write(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, object? callbacks);

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>, in order with the
    /// writes, completing as <see cref="Write"/> does. Returns 0, or a negative status when it cannot start.
    /// </summary>
    internal abstract int SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, object? callbacks);

    /// <summary>Bytes written through the transform the kernel has not taken yet (the socket's share of <see cref="Socket.WritableLength"/>).</summary>
    internal abstract long WriteQueueSize { get; }

    /// <summary>The socket connected (a client): the transform may start talking (a TLS client sends its hello).</summary>
    internal abstract void OnConnected();

    /// <summary>
    /// Our side ends: the transform writes what it still holds and its own end (TLS's close_notify), then calls
    /// <see cref="Socket.ShutdownHandle"/>.
    /// </summary>
    internal abstract void Shutdown();

    /// <summary>The socket closed: fail what is held and release what the transform owns. Runs once.</summary>
    internal abstract void OnClosed();
}
