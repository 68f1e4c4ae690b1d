using System.Buffers;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>
/// A write in flight, as libuv's <c>uv_write_t</c>: one or more buffers written in order. Memory handed to
/// a write must not change until the callback runs. With readiness-based I/O (epoll, kqueue) it is pinned only
/// while a system call copies from it, so a write that waits in the queue holds no GC handle.
/// </summary>
public sealed unsafe class WriteRequest : Request<WriteRequest>
{
    private ReadOnlyMemory<byte>[] _buffers = new ReadOnlyMemory<byte>[1];
    private MemoryHandle[] _pins = new MemoryHandle[1];
    private int _count;
    private bool _pinned;
    private int _index;
    private int _offset;

    /// <summary>Bytes this request adds to <see cref="StreamHandle.WriteQueueSize"/> until its callback.</summary>
    internal long Size { get; private set; }

    internal bool IsDone => _index == _count && FileRemaining == 0;

    // A file segment sent with sendfile(2) instead of buffers (see StreamHandle.SendFile).
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    internal long FileOffset;
    internal long FileRemaining;

    internal bool IsFile => _file is not null;

    internal int FileDescriptor => (int)_file!.DangerousGetHandle();

    /// <summary>Makes this a file request: <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>; the handle is kept open until the callback.</summary>
    internal void SetFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        SetBuffers(default);
        bool added = false;
        file.DangerousAddRef(ref added);
        _file = file;
        FileOffset = offset;
        FileRemaining = count;
        Size = count;
    }

    /// <summary>The first unwritten buffer (for the single-buffer fast path).</summary>
    internal ReadOnlySpan<byte> Current => Unwritten(_index);

    /// <summary>The index of the first buffer not completely written.</summary>
    internal int FirstUnwritten => _index;

    /// <summary>How many buffers the request carries, written or not.</summary>
    internal int BufferCount => _count;

    /// <summary>What is left of buffer <paramref name="buffer"/> (at least <see cref="FirstUnwritten"/>).</summary>
    internal ReadOnlySpan<byte> Unwritten(int buffer) =>
        buffer == _index ? _buffers[buffer].Span[_offset..] : _buffers[buffer].Span;

    internal void SetBuffers(ReadOnlySpan<ReadOnlyMemory<byte>> buffers)
    {
        if (_buffers.Length < buffers.Length)
        {
            _buffers = new ReadOnlyMemory<byte>[buffers.Length];
            _pins = new MemoryHandle[buffers.Length];
        }
        long size = 0;
        int count = 0;
        foreach (ReadOnlyMemory<byte> b in buffers)
        {
            if (b.IsEmpty)
                continue;
            _buffers[count++] = b;
            size += b.Length;
        }
        _count = count;
        _index = _offset = 0;
        Size = size;
    }

    /// <summary>Buffers not completely written yet.</summary>
    internal int RemainingBuffers => _count - _index;

    /// <summary>
    /// Pins what is left to write until <see cref="Release"/>: for a completion-based backend (io_uring), where
    /// the kernel keeps the pointer after the submitting call returns. Readiness-based I/O never needs it: the
    /// kernel copies during the call, and the stream pins the buffers across that call only.
    /// </summary>
    internal void PinUntilCompletion()
    {
        if (_pinned)
            return;
        for (int i = _index; i < _count; i++)
            _pins[i] = _buffers[i].Pin();
        _pinned = true;
    }

    /// <summary>Consumes up to <paramref name="written"/> bytes; returns what it did not consume.</summary>
    internal long Advance(long written)
    {
        while (written > 0 && _index < _count)
        {
            int left = _buffers[_index].Length - _offset;
            if (written < left)
            {
                _offset += (int)written;
                return 0;
            }
            written -= left;
            _offset = 0;
            _index++;
        }
        return written;
    }

    /// <summary>Releases the pins and the buffers, before the callback runs.</summary>
    internal void Release()
    {
        for (int i = 0; i < _count; i++)
        {
            _pins[i].Dispose();
            _pins[i] = default;
            _buffers[i] = default;
        }
        _pinned = false;
        _count = _index = _offset = 0;
        Next = null;
        if (_file is not null)
        {
            _file.DangerousRelease();
            _file = null;
            FileRemaining = 0;
        }
    }
}
