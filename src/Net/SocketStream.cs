namespace Uvnet.Net;

/// <summary>
/// <see cref="Stream"/> over a <see cref="Socket"/>, so that StreamReader, SslStream or any Stream code runs
/// on the loop. Asynchronous only: awaits resume on the loop thread (its synchronization context), and a
/// synchronous Read or Write there would block the loop that must complete it, so they throw.
/// Disposing ends the socket's writing side (sends the FIN), from any thread.
/// </summary>
public sealed class SocketStream : Stream
{
    private readonly Socket _socket;

    internal SocketStream(Socket socket) => _socket = socket;

    /// <summary>The socket underneath.</summary>
    public Socket Socket => _socket;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _socket.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Writes <paramref name="buffer"/>; completes when the kernel has taken it. The memory must not change until then.
    /// A token already cancelled writes nothing; one cancelled later does not stop the write (bytes handed to the
    /// socket are sent).
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : _socket.WriteAsync(buffer);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to do: writes go to the socket as they are made.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Not supported: use <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> (a blocking read would stall the loop).</summary>
    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SocketStream is asynchronous: use ReadAsync.");

    /// <summary>Not supported: use <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("SocketStream is asynchronous: use WriteAsync.");

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Ends the socket's writing side once what was written has been sent. Callable from any thread, as the async
    /// members are: code that awaited with <c>ConfigureAwait(false)</c> disposes from the thread pool, so the end is
    /// posted to the loop there. Never throws: after the loop closed, there is nothing left to end.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_socket.Loop.IsLoopThread)
            {
                _socket.End();
            }
            else
            {
                try
                {
                    _socket.Loop.Post(static s => s.End(), _socket);
                }
                catch (ObjectDisposedException)
                {
                    // The loop closed, which it does only once its handles have: the socket sends nothing more.
                }
            }
        }
        base.Dispose(disposing);
    }
}
