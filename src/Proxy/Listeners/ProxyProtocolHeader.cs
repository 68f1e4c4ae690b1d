using System.Net;

namespace Uvnet.Proxy.Listeners;

/// <summary>
/// The PROXY protocol header a load balancer sent ahead of a connection's bytes (HAProxy's proxy-protocol.txt, version
/// 1 or 2): the client's address and port as the balancer saw them, and (version 2) its TLVs.
/// </summary>
public sealed class ProxyProtocolHeader
{
    internal ProxyProtocolHeader(int version, bool local, IPEndPoint? source, IPEndPoint? destination, IReadOnlyList<ProxyProtocolTlv> tlvs)
    {
        Version = version;
        Local = local;
        Source = source;
        Destination = destination;
        Tlvs = tlvs;
    }

    /// <summary>1 (the text form) or 2 (the binary one).</summary>
    public int Version { get; }

    /// <summary>
    /// Whether the balancer speaks for itself (version 2's LOCAL command, its health checks): the connection's own
    /// endpoints are the client's. Version 1's <c>UNKNOWN</c> has no addresses either, and is not Local.
    /// </summary>
    public bool Local { get; }

    /// <summary>The client's address and port; null for LOCAL, <c>UNKNOWN</c>, and the families without one (AF_UNSPEC, AF_UNIX).</summary>
    public IPEndPoint? Source { get; }

    /// <summary>The address and port the client connected to, at the balancer; null when <see cref="Source"/> is.</summary>
    public IPEndPoint? Destination { get; }

    /// <summary>Version 2's type-length-value fields after the addresses, in order (ALPN, authority, CRC32c, SSL...); empty for version 1.</summary>
    public IReadOnlyList<ProxyProtocolTlv> Tlvs { get; }
}

/// <summary>A version 2 header's TLV: its type (PP2_TYPE_ALPN 0x01, PP2_TYPE_AUTHORITY 0x02...) and value.</summary>
/// <param name="Type">The type.</param>
/// <param name="Value">The value's bytes.</param>
public readonly record struct ProxyProtocolTlv(byte Type, ReadOnlyMemory<byte> Value);
