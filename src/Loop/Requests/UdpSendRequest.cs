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

    /// <summary>Sends the datagram with one sendmsg: bytes sent or -1 (errno set).</summary>
    internal nint SendTo(int fd)
    {
        if (_count == 1)
        {
            // The common case, a single buffer: fixed pins it for the call without a handle.
            fixed (byte* data = _buffers[0].Span)
            {
                Libc.IoVec vector = new() { Base = data, Length = _buffers[0].Length };
                Libc.MsgHdr single = Header(&vector);
                return Libc.SendMsg(fd, &single, 0);
            }
        }
        Libc.IoVec* vectors = stackalloc Libc.IoVec[_count];
        Libc.MsgHdr message = Message(vectors);
        nint sent = Libc.SendMsg(fd, &message, 0);
        Unpin();
        return sent;
    }

    /// <summary>Whether this datagram goes where <paramref name="other"/>'s goes (the same address, or both to the connected peer).</summary>
    internal bool SameDestination(UdpSendRequest other) =>
        _addressLength == other._addressLength && _address.AsSpan(0, _addressLength).SequenceEqual(other._address.AsSpan(0, _addressLength));

    /// <summary>Buffers this datagram gathers (one iovec each).</summary>
    internal int BufferCount => _count;

    /// <summary>
    /// The datagram as a message for sendmsg or sendmmsg, its buffers pinned and written to <paramref name="vectors"/>
    /// (room for <see cref="BufferCount"/>): valid until <see cref="Unpin"/>, which follows the call. The call copies the
    /// datagram into the kernel before it returns, so a datagram waiting in the queue holds no pin.
    /// </summary>
    internal Libc.MsgHdr Message(Libc.IoVec* vectors)
    {
        for (int i = 0; i < _count; i++)
        {
            _pins[i] = _buffers[i].Pin();
            vectors[i].Base = (byte*)_pins[i].Pointer;
            vectors[i].Length = _buffers[i].Length;
        }
        return Header(vectors);
    }

    /// <summary>Releases the pins <see cref="Message"/> took, once the call that sent (or tried) the datagram returned.</summary>
    internal void Unpin()
    {
        // The send's errno is read after this: a MemoryManager's Unpin may make calls that set one of their own.
        int errno = Marshal.GetLastPInvokeError();
        for (int i = 0; i < _count; i++)
        {
            _pins[i].Dispose();
            _pins[i] = default;
        }
        Marshal.SetLastPInvokeError(errno);
    }

    // The address is in a pinned array: its pointer stays valid outside a fixed block.
    private Libc.MsgHdr Header(Libc.IoVec* vectors) => new()
    {
        Name = _addressLength == 0 ? null : Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_address)),
        NameLength = _addressLength,
        Iov = vectors,
        IovLength = _count,
    };

    /// <summary>Lets go of the buffers, before the callback runs.</summary>
    internal void Release()
    {
        _buffers.AsSpan(0, _count).Clear();
        _count = 0;
        Next = null;
    }
}
