using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>
/// The endpoints a receiving handle hands out, kept by a hash of the sender's raw address, so that a server answering
/// its peers allocates no endpoint per datagram. A sender sits in one of <see cref="Probes"/> slots from its hash's;
/// when those are taken the table doubles, up to <see cref="MaxSlots"/>, so that peers do not take turns in a crowded
/// run of slots (sixteen peers in 64 fixed slots did, now and then, by the luck of their ports). Past that size a
/// newcomer takes one of its slots in turn: a server with thousands of peers allocates for some of them.
/// </summary>
internal sealed class UdpSenderCache
{
    /// <summary>sockaddr_in6, the largest sender address.</summary>
    public const int MaxAddressSize = 28;

    private const int InitialSlots = 64;
    private const int MaxSlots = 4096;
    private const int Probes = 8;

    private KnownSender?[]? _slots;
    private uint _evictions;

    /// <summary>The sender's endpoint: the one handed out before for the same address, or a new one remembered.</summary>
    [SkipLocalsInit]
    public IPEndPoint? Find(ReadOnlySpan<byte> address)
    {
        uint hash = HashAddress(address);
        KnownSender?[] slots = _slots ??= new KnownSender?[InitialSlots];
        int free = -1;
        for (int probe = 0; probe < Probes; probe++)
        {
            int index = Slot(slots, hash, probe);
            if (slots[index] is not { } known)
            {
                free = free < 0 ? index : free;
            }
            else if (address.SequenceEqual(known.Address.AsSpan(0, known.Length)))
            {
                // An IPEndPoint can be changed: one whose holder changed it is no longer this sender's.
                if (known.IsUnchanged())
                    return known.EndPoint;
                free = index;
                break;
            }
        }
        Span<byte> scratch = stackalloc byte[SockAddr.MaxSize];
        scratch.Clear();
        address.CopyTo(scratch);
        if (SockAddr.Read(scratch) is not { } sender)
            return null;
        while (free < 0 && slots.Length < MaxSlots)
        {
            slots = _slots = Grown(slots);
            free = FreeSlot(slots, hash);
        }
        // The count is unsigned: it wraps on a busy server, and a negative remainder would place the sender outside
        // its probes, where it is never found again.
        if (free < 0)
            free = Slot(slots, hash, (int)(_evictions++ % Probes));
        (slots[free] ??= new KnownSender()).Set(address, sender);
        return sender;
    }

    private static int Slot(KnownSender?[] slots, uint hash, int probe) => (int)((hash + (uint)probe) & (uint)(slots.Length - 1));

    private static int FreeSlot(KnownSender?[] slots, uint hash)
    {
        for (int probe = 0; probe < Probes; probe++)
        {
            int index = Slot(slots, hash, probe);
            if (slots[index] is null)
                return index;
        }
        return -1;
    }

    /// <summary>The table at twice the size, with every sender moved to a slot of its own hash (one with none free is dropped).</summary>
    private static KnownSender?[] Grown(KnownSender?[] slots)
    {
        var grown = new KnownSender?[slots.Length * 2];
        foreach (KnownSender? known in slots)
        {
            if (known is null)
                continue;
            int index = FreeSlot(grown, HashAddress(known.Address.AsSpan(0, known.Length)));
            if (index >= 0)
                grown[index] = known;
        }
        return grown;
    }

    /// <summary>
    /// A hash of a sender's raw address (16 or 28 bytes), eight bytes at a time: each word is mixed in by a multiply
    /// whose high half is kept, so the port's and the address's bits reach the bits the table's index takes.
    /// </summary>
    private static uint HashAddress(ReadOnlySpan<byte> address)
    {
        const ulong mix = 0x9E3779B97F4A7C15;
        ulong hash = 0;
        int i = 0;
        for (; i + sizeof(ulong) <= address.Length; i += sizeof(ulong))
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(address[i..])) * mix;
        ulong tail = 0;
        for (int shift = 0; i < address.Length; i++, shift += 8)
            tail |= (ulong)address[i] << shift;
        return (uint)(((hash ^ tail) * mix) >> 32);
    }

    /// <summary>
    /// A sender's raw address, the endpoint handed out for it, and what that endpoint said then: its port and the
    /// address object with the only value of it a holder can change (an IPv4 address's number, an IPv6 one's scope).
    /// Comparing those is how a changed endpoint is told, without encoding it again for every datagram.
    /// </summary>
    private sealed class KnownSender
    {
        public readonly byte[] Address = new byte[MaxAddressSize];
        public int Length;
        public IPEndPoint EndPoint = null!;
        private IPAddress _address = null!;
        private int _port;
        private long _value;

        public void Set(ReadOnlySpan<byte> address, IPEndPoint endPoint)
        {
            address.CopyTo(Address);
            Length = address.Length;
            EndPoint = endPoint;
            _address = endPoint.Address;
            _port = endPoint.Port;
            _value = MutableValue(_address);
        }

        /// <summary>Whether the endpoint still says what it said when handed out (its address, scope and port).</summary>
        public bool IsUnchanged() =>
            EndPoint.Port == _port && ReferenceEquals(EndPoint.Address, _address) && MutableValue(_address) == _value;

#pragma warning disable CS0618 // IPAddress.Address is obsolete, but it is what a holder may set on an IPv4 address
        private static long MutableValue(IPAddress address) =>
            address.AddressFamily == AddressFamily.InterNetwork ? address.Address : address.ScopeId;
#pragma warning restore CS0618
    }
}
