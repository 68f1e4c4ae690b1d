using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Uvnet.Net;

namespace Uvnet.Tls;

internal sealed partial class TlsTransform
{
    // A file under TLS cannot go by sendfile(2): it is read and encrypted a chunk at a time, the next chunk once
    // the kernel took the last, so a large file holds one chunk of memory, not the file.
    private const int FileChunk = 64 * 1024;

    // Marks the handle writes of a file's chunks but the last (which carries the socket's callbacks).
    private static readonly object s_fileChunk = new();

    private SafeFileHandle? _file;
    private long _fileOffset, _fileRemaining;
    private object? _fileCallbacks;

    /// <summary>The socket's file send: held behind what is ahead of it, else started.</summary>
    internal override int SendFile(SafeFileHandle file, long offset, long count, object? callbacks)
    {
        if (_state is TlsState.Closed)
            return UvError.EPIPE;
        if (MustHold)
            Hold(new HeldWrite([], file, offset, count, callbacks));
        else
            StartFile(file, offset, count, callbacks);
        return 0;
    }

    private void StartFile(SafeFileHandle file, long offset, long count, object? callbacks)
    {
        _file = file;
        _fileOffset = offset;
        _fileRemaining = count;
        _fileCallbacks = callbacks;
        PumpFile();
    }

    /// <summary>Reads, encrypts and writes the next chunk; the last carries the socket's callbacks, then held writes follow.</summary>
    private void PumpFile()
    {
        int want = (int)Math.Min(FileChunk, _fileRemaining);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            int n = want == 0 ? 0 : ReadFile(chunk.AsSpan(0, want));
            if (n < 0 || (n == 0 && want > 0))
            {
                EndFile(n < 0 ? n : UvError.EIO); // shorter than announced: the response cannot be finished
                return;
            }
            _fileOffset += n;
            _fileRemaining -= n;
            if (!ClearIn(chunk.AsMemory(0, n)))
            {
                EndFile(UvError.ECONNABORTED);
                return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        if (_fileRemaining > 0)
        {
            if (EncOut(s_fileChunk) is < 0 and int status)
                EndFile(status);
            return;
        }
        object? callbacks = _fileCallbacks;
        _file = null;
        _fileCallbacks = null;
        if (EncOut(callbacks) is < 0 and int refused)
            _socket.CompleteWrite(refused, callbacks);
        FlushParkedWrites();
    }

    private int ReadFile(Span<byte> into)
    {
        try
        {
            return RandomAccess.Read(_file!, into, _fileOffset);
        }
        catch (IOException)
        {
            return UvError.EIO;
        }
        catch (ObjectDisposedException)
        {
            return UvError.EBADF;
        }
    }

    private void OnFileChunkWritten(int status)
    {
        if (_file is null)
            return;
        if (status < 0)
            EndFile(status);
        else if (_state != TlsState.Closed && !_socket.Destroyed)
            PumpFile();
    }

    /// <summary>The file send failed: its callbacks get <paramref name="status"/> (the socket fails with it).</summary>
    private void EndFile(int status)
    {
        object? callbacks = _fileCallbacks;
        _file = null;
        _fileCallbacks = null;
        _fileRemaining = 0;
        _socket.CompleteWrite(status, callbacks);
    }
}
