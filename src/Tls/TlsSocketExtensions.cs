using Uvnet.Net;

namespace Uvnet.Tls;

/// <summary>The TLS side of a Net <see cref="Socket"/>.</summary>
public static class TlsSocketExtensions
{
    /// <summary>The socket's TLS connection, or null for a plain socket (Node's <c>socket.encrypted</c> is this being non-null).</summary>
    public static TlsConnection? GetTlsConnection(this Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return (socket.Transform as TlsTransform)?.Connection;
    }
}
