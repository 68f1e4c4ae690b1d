using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Interop;

/// <summary>Encodes and decodes struct sockaddr for IPv4, IPv6 and Unix-domain addresses.</summary>
/// <remarks>Linux starts with a 16-bit family; the BSDs with a length byte and a family byte.</remarks>
internal static unsafe class SockAddr
{
    /// <summary>Big enough for sockaddr_storage and sockaddr_un.</summary>
    internal const int MaxSize = 128;

    private static readonly bool s_bsd = !OperatingSystem.IsLinux();

    internal static int Family(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => SocketConstants.AF_INET6,
        IPEndPoint => SocketConstants.AF_INET,
        UnixDomainSocketEndPoint => SocketConstants.AF_UNIX,
        _ => throw new ArgumentException($"Unsupported endpoint type {endpoint.GetType().Name}.", nameof(endpoint)),
    };

    /// <summary>Writes <paramref name="endpoint"/> as a sockaddr; returns its length.</summary>
    /// <remarks>
    /// Only the sockaddr's own bytes are cleared (a datagram's destination is written for each send), though
    /// <paramref name="destination"/> must hold <see cref="MaxSize"/>.
    /// </remarks>
    internal static int Write(EndPoint endpoint, Span<byte> destination)
    {
        destination = destination[..MaxSize];
        switch (endpoint)
        {
            case IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetwork:
                destination[..16].Clear();
                WriteFamily(destination, SocketConstants.AF_INET, 16);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)ip.Port);
                ip.Address.TryWriteBytes(destination[4..8], out _);
                return 16;
            case IPEndPoint ip:
                destination[..28].Clear();
                WriteFamily(destination, SocketConstants.AF_INET6, 28);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)ip.Port);
                ip.Address.TryWriteBytes(destination[8..24], out _);
                BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)ip.Address.ScopeId);
                return 28;
            case UnixDomainSocketEndPoint unix:
                // The path's own bytes, from the runtime's sockaddr_un: ToString renders an abstract name
                // ("\0name") as "@name", which bind would take for a file of that name. A file path ends with a NUL;
                // an abstract name has none, and the length says where it ends. The endpoint's constructor
                // refused paths longer than sun_path, so it fits.
                destination.Clear();
                SocketAddress address = unix.Serialize();
                address.Buffer.Span[2..address.Size].CopyTo(destination[2..]);
                WriteFamily(destination, SocketConstants.AF_UNIX, address.Size);
                return address.Size;
            default:
                throw new ArgumentException($"Unsupported endpoint type {endpoint.GetType().Name}.", nameof(endpoint));
        }
    }

    private static void WriteFamily(Span<byte> destination, int family, int length)
    {
        if (s_bsd)
        {
            destination[0] = (byte)length;
            destination[1] = (byte)family;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)family);
        }
    }

    /// <summary>Reads an IPv4 or IPv6 sockaddr; null for another family (a Unix-domain one is read by <see cref="ReadUnixPath"/>).</summary>
    internal static IPEndPoint? Read(ReadOnlySpan<byte> source)
    {
        int family = FamilyOf(source);
        int port = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (family == SocketConstants.AF_INET)
            return new IPEndPoint(new IPAddress(source[4..8]), port);
        if (family == SocketConstants.AF_INET6)
            return new IPEndPoint(new IPAddress(source[8..24], BinaryPrimitives.ReadUInt32LittleEndian(source[24..])), port);
        return null;
    }

    /// <summary>
    /// The path in a Unix-domain sockaddr of <paramref name="length"/> bytes, as the system has it ("\0name" for an
    /// abstract name); null for another family or an unnamed socket. Read from the bytes, never through a
    /// <see cref="UnixDomainSocketEndPoint"/>: the peer chose them, and a name that is not UTF-8 (or a path that fills
    /// sun_path without a NUL) decodes to more than an endpoint holds, which would throw.
    /// </summary>
    internal static string? ReadUnixPath(ReadOnlySpan<byte> source, int length)
    {
        if (FamilyOf(source) != SocketConstants.AF_UNIX)
            return null;
        ReadOnlySpan<byte> path = source[2..Math.Clamp(length, 2, source.Length)];
        if (path.Length == 0)
            return null;
        if (path[0] == 0) // abstract: every byte counts, NULs included, up to the length
            return path.Length == 1 ? null : Encoding.UTF8.GetString(path);
        int end = path.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? path : path[..end]);
    }

    private static int FamilyOf(ReadOnlySpan<byte> source) => s_bsd ? source[1] : BinaryPrimitives.ReadUInt16LittleEndian(source);

    /// <summary>The IP address socket <paramref name="fd"/> is bound to (or its peer's), or null (no socket, or not an IP one).</summary>
    internal static IPEndPoint? OfSocket(int fd, bool peer)
    {
        byte* address = stackalloc byte[MaxSize];
        return ReadSocketName(fd, peer, address) < 0 ? null : Read(new ReadOnlySpan<byte>(address, MaxSize));
    }

    private const long PackedPresent = 1L << 48;
    private const long PackedMapped = 1L << 49;

    /// <summary>
    /// The IPv4 address and port of socket <paramref name="fd"/> (or of its peer), packed in a long for an object that
    /// keeps it without an <see cref="IPEndPoint"/> (two objects): the address's four bytes as stored, the port above
    /// them, a bit saying one is there and one saying it is IPv4-mapped (a dual-stack socket's IPv4 peer). 0 for any
    /// other address, or none; <see cref="UnpackIPv4"/> makes the endpoint <see cref="OfSocket"/> would have made.
    /// </summary>
    internal static long PackedIPv4(int fd, bool peer)
    {
        byte* address = stackalloc byte[MaxSize];
        if (ReadSocketName(fd, peer, address) < 0)
            return 0;
        var source = new ReadOnlySpan<byte>(address, MaxSize);
        long port = (long)BinaryPrimitives.ReadUInt16BigEndian(source[2..]) << 32;
        int family = FamilyOf(source);
        if (family == SocketConstants.AF_INET)
            return PackedPresent | port | BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        // ::ffff:a.b.c.d with no scope: what IPAddress.MapToIPv6 makes of a.b.c.d.
        if (family == SocketConstants.AF_INET6 && source[8..18].IndexOfAnyExcept((byte)0) < 0
            && source[18] == 0xFF && source[19] == 0xFF && BinaryPrimitives.ReadUInt32LittleEndian(source[24..]) == 0)
            return PackedPresent | PackedMapped | port | BinaryPrimitives.ReadUInt32LittleEndian(source[20..]);
        return 0;
    }

    /// <summary>The endpoint a non-zero <see cref="PackedIPv4"/> stands for.</summary>
    internal static IPEndPoint UnpackIPv4(long packed)
    {
        var address = new IPAddress((uint)packed);
        return new IPEndPoint((packed & PackedMapped) != 0 ? address.MapToIPv6() : address, (int)(packed >> 32) & 0xFFFF);
    }

    /// <summary>getsockname or getpeername into <paramref name="address"/> (<see cref="MaxSize"/> bytes): the address's length, or -1.</summary>
    internal static int ReadSocketName(int fd, bool peer, byte* address)
    {
        if (fd < 0)
            return -1;
        new Span<byte>(address, MaxSize).Clear();
        int length = MaxSize;
        int r = peer ? Libc.GetPeerName(fd, address, &length) : Libc.GetSockName(fd, address, &length);
        return r < 0 ? -1 : length;
    }
}
