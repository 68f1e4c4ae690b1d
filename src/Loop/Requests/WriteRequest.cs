using System.Buffers;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>
/// A write in flight, as libuv's <c>uv_write_t</c>: one or more buffers written in order. Memory handed to
/// a write stays pinned, and must not change, until the callback runs.
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
    internal ReadOnlyMemory<byte> Current => _buffers[_index][_offset..];

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

    internal bool IsPinned => _pinned;

    /// <summary>Buffers not completely written yet.</summary>
    internal int RemainingBuffers => _count - _index;

    /// <summary>Pins what is left to write: the kernel reads it from a later iteration.</summary>
    internal void Pin()
    {
        if (_pinned)
            return;
        for (int i = _index; i < _count; i++)
            _pins[i] = _buffers[i].Pin();
        _pinned = true;
    }

    /// <summary>Describes the unwritten bytes in <paramref name="vectors"/>; returns how many entries it used.</summary>
    internal int Fill(Libc.IoVec* vectors, int capacity)
    {
        int n = 0;
        for (int i = _index; i < _count && n < capacity; i++, n++)
        {
            int skip = i == _index ? _offset : 0;
            vectors[n].Base = (byte*)_pins[i].Pointer + skip;
            vectors[n].Length = _buffers[i].Length - skip;
        }
        return n;
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
