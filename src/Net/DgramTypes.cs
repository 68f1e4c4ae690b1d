using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// Raised for each datagram received (Node's <c>'message'</c>): <paramref name="message"/> is a span over the receive
/// buffer, valid only until the handler returns (keep a copy with <c>message.ToArray()</c>).
/// </summary>
public delegate void DgramMessageHandler(DgramSocket socket, ReadOnlySpan<byte> message, DgramRemoteInfo remote);

/// <summary>Who sent a datagram, as Node's <c>rinfo</c>: address, family, port and the datagram's size.</summary>
public readonly struct DgramRemoteInfo
{
    internal DgramRemoteInfo(IPEndPoint endPoint, string address, int size, bool truncated)
    {
        EndPoint = endPoint;
        Address = address;
        Size = size;
        Truncated = truncated;
    }

    /// <summary>The sender's address, as text ("127.0.0.1", "::1", "::ffff:127.0.0.1" on a dual-stack udp6 socket).</summary>
    public string Address { get; }

    /// <summary>"IPv4" or "IPv6", as Node names the family.</summary>
    public string Family => DgramAddress.FamilyName(EndPoint.AddressFamily);

    /// <summary>The sender's port.</summary>
    public int Port => EndPoint.Port;

    /// <summary>The datagram's size in bytes (what was received of it, when <see cref="Truncated"/>).</summary>
    public int Size { get; }

    /// <summary>The datagram was larger than the receive buffer and was cut (libuv's UV_UDP_PARTIAL).</summary>
    public bool Truncated { get; }

    /// <summary>The sender as an endpoint: the same object for consecutive datagrams of one sender (do not change it).</summary>
    public IPEndPoint EndPoint { get; }
}

/// <summary>A socket's own or its peer's address, as Node's <c>socket.address()</c> and <c>socket.remoteAddress()</c> return it.</summary>
/// <param name="Address">The address as text.</param>
/// <param name="Family">"IPv4" or "IPv6".</param>
/// <param name="Port">The port.</param>
public sealed record DgramAddress(string Address, string Family, int Port)
{
    internal static DgramAddress Of(IPEndPoint endPoint) => new(endPoint.Address.ToString(), FamilyName(endPoint.AddressFamily), endPoint.Port);

    internal static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}

/// <summary>What <see cref="DgramSocket.ReceiveAsync(Memory{byte}, CancellationToken)"/> received.</summary>
public readonly struct DgramReceiveResult
{
    internal DgramReceiveResult(int size, IPEndPoint remote, bool truncated)
    {
        Size = size;
        RemoteEndPoint = remote;
        Truncated = truncated;
    }

    /// <summary>Bytes of the datagram at the start of the buffer.</summary>
    public int Size { get; }

    /// <summary>The sender (the same object for consecutive datagrams of one sender: do not change it).</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The datagram was larger than the buffer: only its first <see cref="Size"/> bytes were kept.</summary>
    public bool Truncated { get; }
}

/// <summary>Options of <see cref="Dgram.CreateSocket(Loop, DgramSocketOptions, DgramMessageHandler?)"/>, as Node's <c>dgram.createSocket(options)</c>.</summary>
public sealed class DgramSocketOptions
{
    /// <summary>"udp4" or "udp6" (Node's <c>type</c>).</summary>
    public string Type { get; init; } = "udp4";

    /// <summary>Binds with SO_REUSEADDR, so other sockets may bind the same address and port (Node's <c>reuseAddr</c>).</summary>
    public bool ReuseAddr { get; init; }

    /// <summary>A udp6 socket takes IPv6 only (Node's <c>ipv6Only</c>); a udp4 socket's bind fails with EINVAL, as in Node.</summary>
    public bool Ipv6Only { get; init; }

    /// <summary>SO_RCVBUF, set once bound (Node's <c>recvBufferSize</c>); null leaves the system's.</summary>
    public int? RecvBufferSize { get; init; }

    /// <summary>SO_SNDBUF, set once bound (Node's <c>sendBufferSize</c>); null leaves the system's.</summary>
    public int? SendBufferSize { get; init; }
}

/// <summary>Node's <c>dgram</c> module: <see cref="CreateSocket(Loop, string, DgramMessageHandler?)"/>.</summary>
public static class Dgram
{
    /// <summary>
    /// Creates a UDP socket of <paramref name="type"/> ("udp4" or "udp6"), not bound yet, as Node's
    /// <c>dgram.createSocket(type, callback)</c>: <paramref name="onMessage"/> is a <see cref="DgramSocket.Message"/> handler.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_TYPE: neither "udp4" nor "udp6".</exception>
    public static DgramSocket CreateSocket(Loop loop, string type, DgramMessageHandler? onMessage = null) =>
        CreateSocket(loop, new DgramSocketOptions { Type = type }, onMessage);

    /// <summary>Creates a UDP socket with <paramref name="options"/>, as Node's <c>dgram.createSocket(options, callback)</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_TYPE, or ERR_SOCKET_BAD_BUFFER_SIZE for a buffer size that is not positive.</exception>
    public static DgramSocket CreateSocket(Loop loop, DgramSocketOptions options, DgramMessageHandler? onMessage = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Type is not ("udp4" or "udp6"))
            throw new NetException("ERR_SOCKET_BAD_TYPE", "Bad socket type specified. Valid types are: udp4, udp6");
        if (options.RecvBufferSize is <= 0 || options.SendBufferSize is <= 0)
            throw DgramSocket.BadBufferSize();
        var socket = new DgramSocket(loop, options);
        if (onMessage is not null)
            socket.Message += onMessage;
        return socket;
    }
}
