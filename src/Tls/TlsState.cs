namespace Uvnet.Tls;

/// <summary>Where a TLS connection is: every transition is in <see cref="TlsTransform"/>.</summary>
internal enum TlsState : byte
{
    /// <summary>Hello sent or awaited; the socket's writes are held.</summary>
    Handshaking,

    /// <summary>Application data flows both ways.</summary>
    Established,

    /// <summary>Our close_notify was sent; the peer may still send.</summary>
    Closing,

    /// <summary>The socket closed, or the connection failed: the SSL object is freed.</summary>
    Closed,
}
