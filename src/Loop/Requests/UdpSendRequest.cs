using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Net;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>
/// A datagram send in flight, as libuv's <c>uv_udp_send_t</c>: one datagram made of one or more buffers, to an
/// address or to a connected socket's peer. Memory handed to a send must not change until the callback runs.
/// </summary>
public sealed unsafe class UdpSendRequest : Request<UdpSendRequest>
{
    private ReadOnlyMemory<byte>[] _buffers = new ReadOnlyMemory<byte>[1];
    private MemoryHandle[] _pins = new MemoryHandle[1];
    private readonly byte[] _address = GC.AllocateArray<byte>(SockAddr.MaxSize, pinned: true);
    private int _count;
    private int _addressLength;
    private bool _pinned;

    /// <summary>The UDP handle the send runs on, while in flight and during its callback; null once idle.</summary>
    public UdpHandle? Udp => Handle as UdpHandle;

    /// <summary>Bytes this datagram adds to <see cref="UdpHandle.SendQueueSize"/> until its callback.</summary>
    internal long Size { get; private set; }

    internal void Set(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, long size, IPEndPoint? destination)
    {
        if (_buffers.Length < buffers.Length)
        {
            _buffers = new ReadOnlyMemory<byte>[buffers.Length];
            _pins = new MemoryHandle[buffers.Length];
        }
        buffers.CopyTo(_buffers);
        _count = buffers.Length;
        Size = size;
        _addressLength = destination is null ? 0 : SockAddr.Write(destination, _address);
    }

    /// <summary>Pins the buffers: the datagram waits in the queue and the kernel reads them in a later iteration.</summary>
    internal void Pin()
    {
        if (_pinned)
            return;
        for (int i = 0; i < _count; i++)
            _pins[i] = _buffers[i].Pin();
        _pinned = true;
    }

    /// <summary>Sends the datagram with one sendmsg: bytes sent or -1 (errno set).</summary>
    internal nint SendTo(int fd)
    {
        if (_count == 1 && !_pinned)
        {
            // The common case, a single buffer sent at once: pinned for the call only.
            fixed (byte* data = _buffers[0].Span)
            {
                Libc.IoVec vector = new() { Base = data, Length = _buffers[0].Length };
                Libc.MsgHdr single = Header(&vector);
                return Libc.SendMsg(fd, &single, 0);
            }
        }
        Libc.IoVec* vectors = stackalloc Libc.IoVec[_count];
        Libc.MsgHdr message = Message(vectors);
        return Libc.SendMsg(fd, &message, 0);
    }

    /// <summary>Buffers this datagram gathers (one iovec each).</summary>
    internal int BufferCount => _count;

    /// <summary>
    /// The datagram as a message for sendmsg or sendmmsg, its buffers pinned and written to <paramref name="vectors"/>
    /// (room for <see cref="BufferCount"/>): valid until <see cref="Release"/>.
    /// </summary>
    internal Libc.MsgHdr Message(Libc.IoVec* vectors)
    {
        Pin();
        for (int i = 0; i < _count; i++)
        {
            vectors[i].Base = (byte*)_pins[i].Pointer;
            vectors[i].Length = _buffers[i].Length;
        }
        return Header(vectors);
    }

    // The address is in a pinned array: its pointer stays valid outside a fixed block.
    private Libc.MsgHdr Header(Libc.IoVec* vectors) => new()
    {
        Name = _addressLength == 0 ? null : Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_address)),
        NameLength = _addressLength,
        Iov = vectors,
        IovLength = _count,
    };

    /// <summary>Releases the pins and the buffers, before the callback runs.</summary>
    internal void Release()
    {
        for (int i = 0; i < _count; i++)
        {
            if (_pinned)
                _pins[i].Dispose();
            _pins[i] = default;
            _buffers[i] = default;
        }
        _pinned = false;
        _count = 0;
        Next = null;
    }
}
