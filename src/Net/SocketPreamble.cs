namespace Uvnet.Net;

/// <summary>
/// A reader of the bytes that come before a connection's stream, in front of everything else (a <see cref="SocketTransform"/>
/// too): the PROXY protocol's header, which a load balancer sends ahead of the client's bytes (and of TLS). It sees
/// the handle's reads until it hands the socket back with <see cref="Socket.EndPreamble"/>. Runs on the loop thread.
/// </summary>
internal abstract class SocketPreamble
{
    /// <summary>A read from the handle, as the handle's read callback has it (bytes in <paramref name="buffer"/>, 0, EOF or an error).</summary>
    internal abstract void OnRead(Socket socket, int nread, Memory<byte> buffer);
}
