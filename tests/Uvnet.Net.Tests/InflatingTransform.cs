namespace Uvnet.Net.Tests;

/// <summary>
/// A <see cref="SocketTransform"/> that writes each byte <see cref="Factor"/> times, as TLS adds its records' overhead
/// but larger, so the queue under a socket grows by more than the socket was given. While <see cref="Holding"/>, it
/// keeps what it wrote, counted in its <see cref="WriteQueueSize"/>, until <see cref="Release"/> hands it to the
/// handle: the kernel takes none of it before the test says so.
/// </summary>
internal sealed class InflatingTransform(Socket socket) : SocketTransform
{
    internal const int Factor = 4;

    // Marks the transform's own writes, which complete no socket write.
    private static readonly object s_own = new();

    private static readonly Action<WriteRequest, int> s_onWritten = static (request, status) =>
    {
        Socket socket = Socket.OwnerOf(request.Stream!);
        if (request.Data == s_own)
            socket.OnTransformWritten();
        else
            socket.CompleteWrite(status, request.Data);
    };

    private readonly Queue<(byte[] Bytes, object? Callbacks)> _held = new();
    private long _heldBytes, _handedBytes;

    /// <summary>Whether writes wait for <see cref="Release"/> (else they go to the handle at once).</summary>
    internal bool Holding { get; set; } = true;

    internal override long WriteQueueSize => _heldBytes + (socket.Handle is { } handle ? _handedBytes - handle.BytesSent : 0);

    internal override int Write(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, object? callbacks)
    {
        long length = 0;
        foreach (var buffer in buffers)
            length += buffer.Length;
        var inflated = new byte[length * Factor];
        int at = 0;
        foreach (var buffer in buffers)
        {
            foreach (byte b in buffer.Span)
            {
                inflated.AsSpan(at, Factor).Fill(b);
                at += Factor;
            }
        }
        if (!Holding)
            return Send(inflated, callbacks);
        _held.Enqueue((inflated, callbacks));
        _heldBytes += inflated.Length;
        return 0;
    }

    /// <summary>Queues <paramref name="count"/> bytes of its own (as TLS's handshake flights and alerts), held as writes are.</summary>
    internal void QueueOwn(int count)
    {
        _held.Enqueue((new byte[count], s_own));
        _heldBytes += count;
        socket.OnTransformQueued();
    }

    /// <summary>Hands what is held to the handle, each write as its own handle write, in order.</summary>
    internal void Release()
    {
        while (_held.TryDequeue(out var write))
        {
            _heldBytes -= write.Bytes.Length;
            int status = Send(write.Bytes, write.Callbacks);
            Assert.Equal(0, status);
        }
    }

    private int Send(byte[] bytes, object? callbacks)
    {
        var request = WriteRequest.Rent();
        request.Data = callbacks;
        ReadOnlyMemory<byte> memory = bytes;
        int status = socket.Handle!.Write(request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in memory), s_onWritten);
        if (status == 0)
            _handedBytes += bytes.Length;
        return status;
    }

    internal override void OnRead(int nread, Memory<byte> buffer) => socket.DeliverRead(nread, buffer);

    internal override int SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, object? callbacks) => UvError.ENOTSUP;

    internal override void OnConnected()
    {
    }

    internal override void Shutdown() => socket.ShutdownHandle();

    internal override void OnClosed()
    {
        while (_held.TryDequeue(out var write))
        {
            if (write.Callbacks != s_own)
                socket.CompleteWrite(UvError.ECANCELED, write.Callbacks);
        }
        _heldBytes = 0;
    }
}
